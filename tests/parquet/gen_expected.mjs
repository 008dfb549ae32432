#!/usr/bin/env node
// gen_expected.mjs - oracles for every file of apache/parquet-testing's data/ folder.
//
//   node tests/parquet/gen_expected.mjs [--data DIR]
//
// DIR defaults to <repo>/../shared/parquet-testing/data.  For each file (subfolders
// included) it writes, under tests/parquet/expected/:
//   <path>.jsonl      the rows DuckDB reads, exactly as `COPY (...) TO f (FORMAT JSON)` writes
//                     them: the first 1000 rows, or the first 100 when 1000 would pass ~200 KB
//   <path>.meta.json  footer facts (num_rows, row groups, column paths, physical types,
//                     codecs), or {"error": ...} when no reader here can parse the footer
//   INDEX.json        which oracle applies to each file, and why
// Files that hold the expectations of a neighbour (`*_expect.csv`, key material `.json`,
// `.yaml`) are not inputs; INDEX.json lists them under "companions" and the CSVs are checked
// against DuckDB's rows here.  The output is deterministic: run it twice, get the same bytes.
// Needs the pinned npm packages in tests/parquet/node/ (see oracle.mjs); the tests do not.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  HERE, boundedRows, footerFacts, jsonText, load, openDuck, packageVersion, rows, shortError,
  sqlString, transcode,
} from './oracle.mjs';

const args = process.argv.slice(2);
const DATA = args[0] === '--data' && args[1] ? args[1]
  : join(HERE, '..', '..', '..', 'shared', 'parquet-testing', 'data');
const OUT = join(HERE, 'expected');
const MAX_JSONL = 200 * 1024;

// Files whose oracle is not "what DuckDB reads from the file itself", and why.
// oracle: duckdb_transcoded = DuckDB reading an arrow-rs (parquet-wasm) rewrite of the file;
//         error = the reader must refuse the file (exit 3, or 4 for features it does not honour);
//         none  = rows are not compared (only the footer, and a clean exit).
// allow_error: the reader may also refuse the file cleanly; the reason says why.
const SPECIAL = {
  'hadoop_lz4_compressed.parquet': {
    oracle: 'duckdb_transcoded', why: 'DuckDB 1.5.6 refuses codec LZ4 (5): "Unsupported compression codec"' },
  'hadoop_lz4_compressed_larger.parquet': {
    oracle: 'duckdb_transcoded', why: 'DuckDB 1.5.6 refuses codec LZ4 (5): "Unsupported compression codec"' },
  'non_hadoop_lz4_compressed.parquet': {
    oracle: 'duckdb_transcoded',
    why: 'DuckDB 1.5.6 refuses codec LZ4 (5); the pages are raw LZ4 blocks without the Hadoop framing, ' +
         'arrow-rs falls back to that' },
  'byte_stream_split_extended.gzip.parquet': {
    oracle: 'duckdb_transcoded',
    why: 'DuckDB 1.5.6 decodes BYTE_STREAM_SPLIT only for FLOAT/DOUBLE; the file also has it on ' +
         'FLOAT16, INT32, INT64, FLBA(5) and DECIMAL.  Upstream: each *_byte_stream_split column ' +
         'must equal its *_plain twin',
    equal_columns: [
      ['float16_plain', 'float16_byte_stream_split'], ['float_plain', 'float_byte_stream_split'],
      ['double_plain', 'double_byte_stream_split'], ['int32_plain', 'int32_byte_stream_split'],
      ['int64_plain', 'int64_byte_stream_split'], ['flba5_plain', 'flba5_byte_stream_split'],
      ['decimal_plain', 'decimal_byte_stream_split']] },
  'map_no_value.parquet': {
    oracle: 'duckdb_transcoded',
    why: 'DuckDB 1.5.6 refuses it ("MAP_KEY_VALUE requires two children"); arrow-rs reads ' +
         'my_map_no_v (a MAP whose key_value group has only a key) as the list of its keys',
    allow_error: 'a MAP without a value field is outside the LogicalTypes MAP rules; refusing it is fine' },
  'large_string_map.brotli.parquet': {
    oracle: 'none',
    why: 'two rows of a 1 GiB string each (2 GiB column chunk once decompressed); DuckDB runs out of ' +
         'memory, and expected rows of that size cannot be stored.  Only the footer is compared; the ' +
         'row run is not made' },
  'datapage_v1-corrupt-checksum.parquet': {
    oracle: 'error', exit: 3,
    why: 'page CRCs do not match (upstream README: page 0 of "a", page 1 of "b"); DuckDB does not ' +
         'verify CRCs and reads it' },
  'rle-dict-uncompressed-corrupt-checksum.parquet': {
    oracle: 'error', exit: 3,
    why: 'dictionary page CRCs do not match (upstream README); DuckDB does not verify CRCs and reads it' },
  'nation.dict-malformed.parquet': {
    oracle: 'duckdb',
    why: 'PARQUET-816: malformed data page metadata written by an old writer; parquet-cpp and ' +
         'DuckDB decode it optimistically',
    allow_error: 'a reader that checks every size against the bytes at hand may refuse it' },
};

// Companion files: expectations or inputs of a neighbouring data file, not Parquet files.
function companionOf(rel) {
  let m;
  if ((m = rel.match(/^(.*)_expect\.csv$/))) return { of: `${m[1]}.parquet`, kind: 'expected rows (CSV)' };
  if ((m = rel.match(/^(.*\/)?_KEY_MATERIAL_FOR_(.*)\.json$/)))
    return { of: `${m[1] || ''}${m[2]}`, kind: 'external key material for decryption (not an expectation)' };
  if (rel.endsWith('.yaml'))
    return { of: rel.replace(/\.yaml$/, '.parquet'), kind: 'values the file was generated from (WKT per row group)' };
  if (rel.endsWith('.md') || rel.endsWith('.json')) return { of: null, kind: 'documentation' };
  return null;
}

function walk(dir) {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

// Footer facts from arrow-rs, for footers DuckDB cannot turn into a schema.  No physical
// types or schema entries: arrow-rs's JS API does not show them.
async function footerFactsArrow(file) {
  const pw = load('parquet-wasm/node');
  const { readFileSync } = await import('node:fs');
  const pf = await pw.ParquetFile.fromFile(new Blob([readFileSync(file)]));
  const md = pf.metadata();
  const fm = md.fileMetadata();
  const rgs = md.rowGroups().map((rg) => ({
    num_rows: rg.numRows(),
    columns: rg.columns().map((c) => ({
      path: c.columnPath().join('.'),
      type: null,
      codec: pw.Compression[c.compression()],
      encodings: c.encodings().map((e) => pw.Encoding[e]),
      num_values: c.numValues(),
      total_compressed_size: c.compressedSize(),
      total_uncompressed_size: c.uncompressedSize(),
    })),
  }));
  return {
    source: 'arrow-rs (parquet-wasm); DuckDB could not read this footer',
    created_by: fm.createdBy() ?? null,
    num_rows: fm.numRows(),
    num_row_groups: md.numRowGroups(),
    format_version: fm.version(),
    leaf_paths: rgs.length ? rgs[0].columns.map((c) => c.path) : [],
    schema: null,
    row_groups: rgs,
  };
}

// Checks an upstream `_expect.csv` against DuckDB's rows, value by value and by position
// (the CSV headers do not always spell the column names as the file does).
async function checkCsv(con, parquet, csv) {
  const P = `read_parquet(${sqlString(parquet)})`;
  const C = `read_csv(${sqlString(csv)}, all_varchar = true, header = true)`;
  const list = async (src) => {
    const cols = (await rows(con, `DESCRIBE SELECT * FROM ${src}`)).map((r) => r.column_name);
    return `list_value(${cols.map((c) => `"${c.replace(/"/g, '""')}"::VARCHAR`).join(', ')})`;
  };
  const r = await rows(con, `
    WITH p AS (SELECT row_number() OVER () AS rn, ${await list(P)} AS v FROM ${P}),
         c AS (SELECT row_number() OVER () AS rn, ${await list(C)} AS v FROM ${C})
    SELECT count(*)::BIGINT AS total,
           count(*) FILTER (WHERE p.v IS NOT DISTINCT FROM c.v)::BIGINT AS same,
           max(len(p.v)) AS width
    FROM p FULL OUTER JOIN c USING (rn)`);
  const total = Number(r[0].total);
  const same = Number(r[0].same);
  return same === total
    ? `DuckDB's rows agree with it on all ${total} rows and ${r[0].width} columns`
    : `DuckDB's rows differ from it on ${total - same} of ${total} rows`;
}

async function checkEqualColumns(con, file, pairs) {
  const conds = pairs.map(([a, b]) =>
    `count(*) FILTER (WHERE "${a}" IS DISTINCT FROM "${b}")::BIGINT AS "${a}"`).join(', ');
  const r = (await rows(con, `SELECT ${conds} FROM read_parquet(${sqlString(file)})`))[0];
  const bad = Object.entries(r).filter(([, n]) => Number(n) !== 0).map(([a, n]) => `${a}: ${n}`);
  return bad.length ? `pairs differ in the oracle: ${bad.join(', ')}` : 'every pair is equal in the oracle';
}

function write(rel, text) {
  const p = join(OUT, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

async function main() {
  if (!existsSync(DATA)) {
    console.error(`gen_expected: ${DATA} not found`);
    process.exit(2);
  }
  const { con, version } = await openDuck();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  const hide = [[DATA + '/', '<data>/'], [DATA, '<data>']];
  const files = {};
  const companions = {};
  const inputs = [];
  for (const abs of walk(DATA)) {
    const rel = relative(DATA, abs).split('\\').join('/');
    const comp = companionOf(rel);
    if (comp) companions[rel] = comp;
    else inputs.push(rel);
  }

  for (const rel of inputs) {
    const abs = join(DATA, rel);
    const sp = SPECIAL[rel] || {};
    const ent = { oracle: null };
    process.stderr.write(`${rel}\n`);

    // Footer facts.
    let meta;
    try {
      meta = await footerFacts(con, abs);
    } catch (e) {
      const duckErr = shortError(e, hide);
      try {
        meta = await footerFactsArrow(abs);
        meta.duckdb_error = duckErr;
      } catch (e2) {
        meta = { error: duckErr };
      }
    }
    write(`${rel}.meta.json`, jsonText({ file: rel, ...meta }));
    ent.meta = `${rel}.meta.json`;

    const geo = meta.schema && meta.schema.some((s) => /^Geo(metry|graphy)Type/.test(s.logical_type || ''));
    let oracle = sp.oracle || (geo ? 'duckdb_transcoded' : 'duckdb');
    let why = sp.why || (geo
      ? 'GEOMETRY/GEOGRAPHY columns: DuckDB 1.5.6 renders them as WKT; the oracle renders their ' +
        'bytes (WKB) as DuckDB renders any BYTE_ARRAY, read from an arrow-rs rewrite of the file'
      : null);

    if (oracle === 'duckdb' || oracle === 'duckdb_transcoded') {
      try {
        const src = oracle === 'duckdb_transcoded' ? transcode(abs) : abs;
        const { text, stored, total } = await boundedRows(con, src, MAX_JSONL);
        write(`${rel}.jsonl`, text);
        Object.assign(ent, { rows: `${rel}.jsonl`, stored_rows: stored, total_rows: total });
        if (stored < total)
          ent.note = `only the first ${stored} of ${total} rows are stored; the test reads that many`;
        if (sp.equal_columns) {
          ent.equal_columns = sp.equal_columns;
          ent.equal_columns_check = await checkEqualColumns(con, src, sp.equal_columns);
        }
      } catch (e) {
        ent.duckdb_error = shortError(e, hide);
        oracle = 'error';
        const unsupported = /encrypt/i.test(ent.duckdb_error) || rel.endsWith('.encrypted');
        ent.exit = unsupported ? 4 : 3;
        why = unsupported
          ? 'Parquet modular encryption: the reader must refuse it as unsupported'
          : `DuckDB cannot read it: ${ent.duckdb_error}`;
      }
    } else if (oracle === 'error') {
      ent.exit = sp.exit;
    }
    ent.oracle = oracle;
    if (why) ent.why = why;
    if (sp.allow_error) ent.allow_error = sp.allow_error;
    files[rel] = ent;
  }

  // Companion CSVs: check them against DuckDB's rows of their neighbour.
  for (const [rel, comp] of Object.entries(companions)) {
    if (!comp.of || !files[comp.of]) continue;
    files[comp.of].companion = rel;
    if (rel.endsWith('_expect.csv') && files[comp.of].oracle === 'duckdb') {
      comp.check = await checkCsv(con, join(DATA, comp.of), join(DATA, rel));
      files[comp.of].companion_check = comp.check;
    }
  }

  const index = {
    about: 'Oracles for ../shared/parquet-testing/data, made by tests/parquet/gen_expected.mjs; ' +
           'see tests/parquet/README.md',
    duckdb: version,
    duckdb_node_api: packageVersion('@duckdb/node-api'),
    parquet_wasm: packageVersion('parquet-wasm'),
    max_rows_stored: 1000,
    files,
    companions,
  };
  writeFileSync(join(OUT, 'INDEX.json'), jsonText(index));
  const counts = {};
  for (const e of Object.values(files)) counts[e.oracle] = (counts[e.oracle] || 0) + 1;
  console.log(`gen_expected: ${inputs.length} files (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}), ` +
              `${Object.keys(companions).length} companions`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
