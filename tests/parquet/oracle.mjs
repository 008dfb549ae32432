// oracle.mjs - what DuckDB says a Parquet file holds, for the reader's conformance tests.
//
// Shared by tests/parquet/gen_expected.mjs (oracles for ../shared/parquet-testing) and
// tests/fixtures/parquet/gen.mjs (generated checkpoint-shaped fixtures).  It loads the
// pinned npm packages from tests/parquet/node/ (never committed), and gives:
//   - rows as DuckDB's JSON export writes them (`COPY (...) TO f (FORMAT JSON)`), verbatim;
//   - footer facts from parquet_file_metadata(), parquet_schema() and parquet_metadata();
//   - an arrow-rs (parquet-wasm) transcode, for files DuckDB 1.5.6 cannot decode itself.
// Only generation needs Node; the tests read the committed outputs.

import { createRequire } from 'node:module';
import { existsSync, readFileSync, rmSync, mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const NODE_DIR = join(HERE, 'node');

// The versions the committed outputs were made with.  Other versions may render values
// differently; the generators warn when they find another one installed.
export const PINNED = {
  '@duckdb/node-api': '1.5.6-r.1',
  'parquet-wasm': '0.8.0',
  '@dsnp/parquetjs': '1.8.8',
};

export const INSTALL_HINT =
  `npm install --prefix ${NODE_DIR} ` +
  Object.entries(PINNED).map(([n, v]) => `${n}@${v}`).join(' ');

const require = createRequire(join(NODE_DIR, 'package.json'));

export function load(name) {
  let mod;
  try {
    mod = require(name);
  } catch (e) {
    console.error(`cannot load '${name}' from ${NODE_DIR}: ${e.message.split('\n')[0]}`);
    console.error(`install the pinned packages with:\n  ${INSTALL_HINT}`);
    process.exit(2);
  }
  const base = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
  const pj = join(NODE_DIR, 'node_modules', base, 'package.json');
  if (existsSync(pj)) {
    const v = JSON.parse(readFileSync(pj, 'utf8')).version;
    if (PINNED[base] && v.replace(/^v/, '') !== PINNED[base])
      console.error(`warning: ${base} ${v} installed, outputs were made with ${PINNED[base]}`);
  }
  return mod;
}

export function packageVersion(base) {
  const pj = join(NODE_DIR, 'node_modules', base, 'package.json');
  return existsSync(pj) ? JSON.parse(readFileSync(pj, 'utf8')).version : null;
}

export const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

// One DuckDB connection, set up so that outputs do not depend on the machine:
// one thread (file order kept, insertion order preserved), UTC for TIMESTAMPTZ rendering.
export async function openDuck() {
  const { DuckDBInstance } = load('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SET threads = 1');
  await con.run("SET TimeZone = 'UTC'");
  await con.run('SET preserve_insertion_order = true');
  const version = (await rows(con, 'SELECT version() AS v'))[0].v;
  return { db, con, version };
}

export async function rows(con, sql) {
  return (await con.runAndReadAll(sql)).getRowObjectsJson();
}

export function shortError(e, replace = []) {
  let m = String(e && e.message ? e.message : e).split('\n')[0].trim();
  for (const [from, to] of replace) m = m.split(from).join(to);
  return m;
}

const scratch = mkdtempSync(join(tmpdir(), 'dq-parquet-oracle-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
let scratchN = 0;
export function scratchPath(ext) {
  return join(scratch, `t${scratchN++}${ext}`);
}

// Number of rows DuckDB reads from `file`.
export async function countRows(con, file) {
  const r = await rows(con, `SELECT count(*)::BIGINT AS n FROM read_parquet(${sqlString(file)})`);
  return Number(r[0].n);
}

// The first `limit` rows of `file` as DuckDB's JSON export writes them: one object per
// line, in file order.  Returns the text (ends with "\n" unless empty).
export async function exportRows(con, file, limit) {
  const out = scratchPath('.jsonl');
  const lim = limit === null || limit === undefined ? '' : ` LIMIT ${Number(limit)}`;
  await con.run(`COPY (SELECT * FROM read_parquet(${sqlString(file)})${lim}) ` +
                `TO ${sqlString(out)} (FORMAT JSON)`);
  const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
  rmSync(out, { force: true });
  return text;
}

// Stores at most 1000 rows, and at most 100 when 1000 would pass `maxBytes` (then 10,
// then 1, for files whose rows are huge).  Returns { text, stored, total }.
export async function boundedRows(con, file, maxBytes = 200 * 1024) {
  const total = await countRows(con, file);
  let text = '';
  let stored = 0;
  for (const lim of [1000, 100, 10, 1]) {
    stored = Math.min(total, lim);
    text = await exportRows(con, file, stored);
    if (Buffer.byteLength(text) <= maxBytes) break;
  }
  const lines = text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
  if (lines !== stored) throw new Error(`${file}: DuckDB exported ${lines} rows, expected ${stored}`);
  return { text, stored, total };
}

// Footer facts.  Paths are the schema names joined with "."; leaf i of the schema is
// column i of every row group.
export async function footerFacts(con, file) {
  const f = sqlString(file);
  let fm;
  let fmError = null;
  try {
    fm = (await rows(con, `SELECT created_by, num_rows, num_row_groups, format_version
                           FROM parquet_file_metadata(${f})`))[0];
  } catch (e) {
    // DuckDB fails on some footers as a whole (e.g. a plaintext footer of an encrypted
    // file); the counts are then taken from the row groups below.
    fmError = shortError(e);
    fm = { created_by: null, num_rows: null, num_row_groups: null, format_version: null };
  }
  const els = await rows(con, `SELECT name, type, type_length, repetition_type, num_children,
                                      converted_type, logical_type, scale, precision, field_id
                               FROM parquet_schema(${f}) ORDER BY column_id::BIGINT`);
  const num = (v) => (v === null || v === undefined ? null : Number(v));
  const schema = [];
  const leaves = [];
  let i = 1;
  function walk(prefix, n) {
    for (let k = 0; k < n && i < els.length; k++) {
      const e = els[i++];
      const path = prefix === null ? e.name : `${prefix}.${e.name}`;
      const ent = {
        path,
        type: e.type,
        repetition: e.repetition_type,
        converted_type: e.converted_type,
        logical_type: e.logical_type,
      };
      if (e.type_length !== null) ent.type_length = num(e.type_length);
      if (e.scale !== null) ent.scale = num(e.scale);
      if (e.precision !== null) ent.precision = num(e.precision);
      if (e.field_id !== null) ent.field_id = num(e.field_id);
      if (e.type === null) ent.num_children = num(e.num_children);
      schema.push(ent);
      if (e.type === null) walk(path, num(e.num_children) || 0);
      else leaves.push({ path, type: e.type });
    }
  }
  walk(null, els.length ? num(els[0].num_children) || 0 : 0);

  const md = await rows(con, `SELECT row_group_id, row_group_num_rows, column_id, path_in_schema,
                                     type, compression, encodings, num_values,
                                     total_compressed_size, total_uncompressed_size
                              FROM parquet_metadata(${f})
                              ORDER BY row_group_id::BIGINT, column_id::BIGINT`);
  if (fmError !== null) {
    const seen = new Map();
    for (const c of md) seen.set(num(c.row_group_id), num(c.row_group_num_rows));
    fm.num_row_groups = seen.size;
    fm.num_rows = [...seen.values()].reduce((a, b) => a + b, 0);
  }
  const rgs = [];
  for (let g = 0; g < num(fm.num_row_groups); g++) rgs.push({ num_rows: null, columns: [] });
  for (const c of md) {
    const g = num(c.row_group_id);
    const leaf = leaves[num(c.column_id)];
    const chunkPath = String(c.path_in_schema).split(', ').join('.');
    rgs[g].num_rows = num(c.row_group_num_rows);
    const col = {
      path: leaf ? leaf.path : chunkPath,
      type: c.type,
      codec: c.compression,
      encodings: c.encodings ? String(c.encodings).split(', ') : [],
      num_values: num(c.num_values),
      total_compressed_size: num(c.total_compressed_size),
      total_uncompressed_size: num(c.total_uncompressed_size),
    };
    if (leaf && chunkPath !== leaf.path) col.path_in_chunk = chunkPath;
    rgs[g].columns.push(col);
  }
  const facts = {
    created_by: fm.created_by,
    num_rows: num(fm.num_rows),
    num_row_groups: num(fm.num_row_groups),
    format_version: num(fm.format_version),
    leaf_paths: leaves.map((l) => l.path),
    schema,
    row_groups: rgs,
  };
  if (fmError !== null)
    facts.partial = `parquet_file_metadata() failed (${fmError}); num_rows and num_row_groups ` +
                    'come from parquet_metadata(), created_by and format_version are unknown';
  return facts;
}

// Rewrites `file` with arrow-rs (parquet-wasm): UNCOMPRESSED, PLAIN, v1 pages, so that
// DuckDB can read what arrow-rs decoded.  Returns the path of the new file.
export function transcode(file) {
  const pw = load('parquet-wasm/node');
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.UNCOMPRESSED)
    .setDictionaryEnabled(false)
    .setWriterVersion(pw.WriterVersion.V1)
    .build();
  const out = scratchPath('.parquet');
  writeFileSync(out, pw.writeParquet(pw.readParquet(readFileSync(file)), props));
  return out;
}

// Stable, diffable JSON: keys in insertion order, two-space indentation, but an object or
// array holding only scalars (or arrays of scalars) stays on one line; newline at the end.
export function jsonText(v) {
  const flat = (x) => x === null || typeof x !== 'object' ||
    (Array.isArray(x) && x.every((y) => y === null || typeof y !== 'object'));
  function fmt(x, ind) {
    if (x === null || typeof x !== 'object') return JSON.stringify(x);
    const items = Array.isArray(x) ? x : Object.values(x);
    if (items.every(flat)) return JSON.stringify(x);
    const pad = ' '.repeat(ind + 2);
    const parts = Array.isArray(x)
      ? x.map((y) => pad + fmt(y, ind + 2))
      : Object.entries(x).map(([k, y]) => `${pad}${JSON.stringify(k)}: ${fmt(y, ind + 2)}`);
    const [open, close] = Array.isArray(x) ? ['[', ']'] : ['{', '}'];
    return `${open}\n${parts.join(',\n')}\n${' '.repeat(ind)}${close}`;
  }
  return fmt(v, 0) + '\n';
}

export function sizeOf(path) {
  return statSync(path).size;
}

// ---- page headers -------------------------------------------------------------------
// A small Thrift compact reader, enough to walk the page headers of a column chunk, so
// the manifest can say what a fixture really holds (DuckDB shows no page headers).

const PAGE_TYPES = ['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'];
const ENCODINGS = ['PLAIN', 'GROUP_VAR_INT', 'PLAIN_DICTIONARY', 'RLE', 'BIT_PACKED',
  'DELTA_BINARY_PACKED', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY', 'RLE_DICTIONARY',
  'BYTE_STREAM_SPLIT'];

class Compact {
  constructor(buf, pos) { this.b = buf; this.p = pos; }
  byte() {
    if (this.p >= this.b.length) throw new Error('thrift: truncated');
    return this.b[this.p++];
  }
  varint() {
    let v = 0n, shift = 0n;
    for (;;) {
      const c = this.byte();
      v |= BigInt(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
      shift += 7n;
      if (shift > 70n) throw new Error('thrift: varint too long');
    }
  }
  zigzag() { const v = this.varint(); return Number((v >> 1n) ^ -(v & 1n)); }
  skip(t) {
    switch (t) {
      case 1: case 2: return;
      case 3: this.byte(); return;
      case 4: case 5: case 6: this.varint(); return;
      case 7: this.p += 8; return;
      case 8: { const n = Number(this.varint()); this.p += n; return; }
      case 9: case 10: {
        const h = this.byte();
        let n = h >> 4;
        if (n === 15) n = Number(this.varint());
        for (let i = 0; i < n; i++) this.skip(h & 15);
        return;
      }
      case 11: {
        const n = Number(this.varint());
        if (n === 0) return;
        const kv = this.byte();
        for (let i = 0; i < n; i++) { this.skip(kv >> 4); this.skip(kv & 15); }
        return;
      }
      case 12: this.struct(() => false); return;
      default: throw new Error(`thrift: bad type ${t}`);
    }
  }
  // Calls field(id, type) for each field; it returns true when it consumed the value.
  struct(field) {
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return;
      const t = h & 15;
      const id = h >> 4 ? last + (h >> 4) : this.zigzag();
      last = id;
      if (!field(id, t)) this.skip(t);
    }
  }
}

function pageHeader(buf, pos) {
  const r = new Compact(buf, pos);
  const h = { type: null, compressed: 0, encoding: null, num_values: null, is_compressed: null };
  const sub = (fields) => r.struct((id, t) => {
    if (fields[id] && t === 5) { fields[id](r.zigzag()); return true; }
    if (fields[id] && (t === 1 || t === 2)) { fields[id](t === 1); return true; }
    return false;
  });
  r.struct((id, t) => {
    if (id === 1 && t === 5) { h.type = PAGE_TYPES[r.zigzag()] || 'UNKNOWN'; return true; }
    if (id === 3 && t === 5) { h.compressed = r.zigzag(); return true; }
    if (id === 4 && t === 5) { r.zigzag(); h.crc = true; return true; }
    if ((id === 5 || id === 7) && t === 12) {
      sub({ 1: (v) => { h.num_values = v; }, 2: (v) => { h.encoding = ENCODINGS[v] || String(v); } });
      return true;
    }
    if (id === 8 && t === 12) {
      sub({ 1: (v) => { h.num_values = v; }, 4: (v) => { h.encoding = ENCODINGS[v] || String(v); },
            7: (v) => { h.is_compressed = v; } });
      return true;
    }
    return false;
  });
  h.header_size = r.p - pos;
  return h;
}

// Page summary of a whole file: counts of page types and data-page encodings, pages per
// chunk, chunks whose data pages mix dictionary and plain encodings (dictionary fallback).
export async function pageSummary(con, file) {
  const buf = readFileSync(file);
  const chunks = await rows(con, `SELECT dictionary_page_offset, data_page_offset, total_compressed_size
                                  FROM parquet_metadata(${sqlString(file)})
                                  ORDER BY row_group_id::BIGINT, column_id::BIGINT`);
  const s = { page_types: {}, data_page_encodings: {}, chunks: chunks.length, pages: 0,
              max_pages_per_chunk: 0, chunks_with_dictionary_fallback: 0, pages_with_crc: 0,
              v2_pages_not_compressed: 0 };
  const bump = (o, k) => { o[k] = (o[k] || 0) + 1; };
  for (const c of chunks) {
    const dict = c.dictionary_page_offset === null ? null : Number(c.dictionary_page_offset);
    const data = Number(c.data_page_offset);
    let pos = dict !== null && dict > 0 && dict < data ? dict : data;
    const end = pos + Number(c.total_compressed_size);
    let n = 0;
    const enc = new Set();
    while (pos < end) {
      const h = pageHeader(buf, pos);
      bump(s.page_types, h.type);
      if (h.type === 'DATA_PAGE' || h.type === 'DATA_PAGE_V2') {
        bump(s.data_page_encodings, h.encoding);
        enc.add(/DICTIONARY/.test(h.encoding) ? 'dict' : 'other');
      }
      if (h.crc) s.pages_with_crc++;
      if (h.type === 'DATA_PAGE_V2' && h.is_compressed === false) s.v2_pages_not_compressed++;
      pos += h.header_size + h.compressed;
      n++;
    }
    if (pos !== end) throw new Error(`${file}: pages of a chunk end at ${pos}, not ${end}`);
    s.pages += n;
    s.max_pages_per_chunk = Math.max(s.max_pages_per_chunk, n);
    if (enc.size === 2) s.chunks_with_dictionary_fallback++;
  }
  return s;
}
