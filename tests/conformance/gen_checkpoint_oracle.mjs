#!/usr/bin/env node
// gen_checkpoint_oracle.mjs - what DuckDB reads as the protocol and metaData of every Parquet
// checkpoint in the shared corpus, for check_corpus.py.
//
//   node tests/conformance/gen_checkpoint_oracle.mjs [--corpus DIR]
//
// DIR defaults to <repo>/../shared/corpus.  Tables are found the way corpus.py discover()
// finds them: every <name>.expected.json names the table <name>, whose directory is <name>/
// or the single child of <name>/ holding a _delta_log/.  In each _delta_log/ (top level only,
// so never a _sidecars/ file) every Parquet checkpoint is read:
//   <v>.checkpoint.parquet                    classic
//   <v>.checkpoint.<part>.<parts>.parquet     multi-part (all parts together)
//   <v>.checkpoint.<uuid>.parquet             V2 (its top-level file holds protocol/metaData)
// with `SELECT protocol, metaData FROM read_parquet(f) WHERE ... IS NOT NULL` (a part may
// lack either column).  It writes tests/conformance/checkpoint_oracle.json:
//   { "<table>": { "<version>": { "files": [...], "protocol": {...},
//       "metaData": {"id", "schemaString", "partitionColumns", "configuration"} } } }
// configuration is a plain object (DuckDB gives a MAP as [{key, value}]).  Keys are sorted
// and the output is deterministic: regenerate it, get the same bytes.  JSON V2 checkpoints
// are not listed: check_corpus.py reads them itself.  Only generation needs Node; the test
// reads the committed file.  Needs the pinned @duckdb/node-api in tests/conformance/node/:
//   npm install --prefix tests/conformance/node --save-exact @duckdb/node-api@1.5.6-r.1

import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const NODE_DIR = join(HERE, 'node');
const PINNED = '1.5.6-r.1';
const SUFFIX = '.expected.json';
const CHECKPOINT = /^(\d{20})\.checkpoint(\.\d{10}\.\d{10}|\.[0-9a-fA-F-]{36})?\.parquet$/;
const OUT = join(HERE, 'checkpoint_oracle.json');

const args = process.argv.slice(2);
const CORPUS = args[0] === '--corpus' && args[1] ? args[1]
  : join(HERE, '..', '..', '..', 'shared', 'corpus');

function loadDuck() {
  const require = createRequire(join(NODE_DIR, 'package.json'));
  let mod;
  try {
    mod = require('@duckdb/node-api');
  } catch (e) {
    console.error(`cannot load @duckdb/node-api from ${NODE_DIR}: ${e.message.split('\n')[0]}`);
    console.error(`install it with:\n  npm install --prefix ${NODE_DIR} --save-exact ` +
                  `@duckdb/node-api@${PINNED}`);
    process.exit(2);
  }
  const pj = join(NODE_DIR, 'node_modules', '@duckdb', 'node-api', 'package.json');
  const v = JSON.parse(readFileSync(pj, 'utf8')).version;
  if (v !== PINNED)
    console.error(`warning: @duckdb/node-api ${v} installed, the oracle was made with ${PINNED}`);
  return mod;
}

const isDir = (p) => { try { return statSync(p).isDirectory(); } catch { return false; } };

// corpus.py find_table_dir(): base itself, or its one child with a _delta_log/.
function tableDir(base) {
  if (isDir(join(base, '_delta_log'))) return base;
  if (!isDir(base)) return null;
  const kids = readdirSync(base).sort().map((k) => join(base, k))
    .filter((k) => isDir(join(k, '_delta_log')));
  return kids.length === 1 ? kids[0] : null;
}

// corpus.py discover(): every expectation, not descending into a table.
function discover(root) {
  const out = [];
  const walk = (dir) => {
    const names = readdirSync(dir).sort();
    const inTable = names.includes('_delta_log') && isDir(join(dir, '_delta_log'));
    for (const n of names) {
      const p = join(dir, n);
      if (n.endsWith(SUFFIX) && !isDir(p)) {
        const base = p.slice(0, -SUFFIX.length);
        const path = tableDir(base);
        if (path) out.push({ name: relative(root, base).split('\\').join('/'), path });
      }
    }
    if (inTable) return;
    for (const n of names) if (isDir(join(dir, n))) walk(join(dir, n));
  };
  walk(root);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

// A DuckDB MAP as getRowObjectsJson() renders it ([{key, value}], or an object in some
// versions) as a plain object with sorted keys; null stays null.
function plainMap(m) {
  if (m === null || m === undefined) return null;
  const entries = Array.isArray(m) ? m.map((e) => [e.key, e.value]) : Object.entries(m);
  const o = {};
  for (const [k, v] of entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    o[k] = v;
  return o;
}

function pick(o, keys) {
  const r = {};
  for (const k of keys) if (o[k] !== undefined) r[k] = o[k];
  return r;
}

function protocolOf(p) {
  return pick(p, ['minReaderVersion', 'minWriterVersion', 'readerFeatures', 'writerFeatures']);
}

function metaDataOf(m) {
  const r = pick(m, ['id', 'schemaString', 'partitionColumns']);
  if (m.configuration !== undefined) r.configuration = plainMap(m.configuration);
  return r;
}

// JSON with object keys sorted, two-space indent, newline at the end.
function sortedJson(v) {
  const sort = (x) => {
    if (Array.isArray(x)) return x.map(sort);
    if (x && typeof x === 'object') {
      const o = {};
      for (const k of Object.keys(x).sort()) o[k] = sort(x[k]);
      return o;
    }
    return x;
  };
  return JSON.stringify(sort(v), null, 1) + '\n';
}

async function main() {
  if (!isDir(CORPUS)) {
    console.error(`corpus not found: ${CORPUS}`);
    process.exit(2);
  }
  const { DuckDBInstance } = loadDuck();
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('SET threads = 1');
  const rows = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();

  const oracle = {};
  let nfiles = 0;
  for (const t of discover(CORPUS)) {
    const log = join(t.path, '_delta_log');
    const byVersion = new Map();
    for (const f of readdirSync(log).sort()) {
      const m = CHECKPOINT.exec(f);
      if (!m) continue;
      const v = String(Number(m[1]));
      if (!byVersion.has(v)) byVersion.set(v, []);
      byVersion.get(v).push(f);
    }
    for (const [v, files] of byVersion) {
      // Two different checkpoints of one version (say classic and V2) would need keying by
      // file; the corpus has none, so refuse rather than merge them silently.
      const kinds = new Set(files.map((f) => f.split('.').length === 3 ? 'classic'
        : /^\d{10}$/.test(f.split('.')[2]) ? 'multi-part of ' + f.split('.')[3] : f));
      if (kinds.size !== 1) {
        console.error(`${t.name}: several checkpoints at version ${v}: ${files.join(' ')}`);
        process.exit(1);
      }
      const entry = { files };
      for (const f of files) {
        nfiles++;
        const p = join(log, f);
        const cols = new Set((await rows(`DESCRIBE SELECT * FROM read_parquet(${sqlString(p)})`))
          .map((c) => c.column_name));
        const want = ['protocol', 'metaData'].filter((c) => cols.has(c));
        if (!want.length) continue;
        const sql = `SELECT ${want.join(', ')} FROM read_parquet(${sqlString(p)}) WHERE ` +
          want.map((c) => `${c} IS NOT NULL`).join(' OR ');
        for (const r of await rows(sql)) {
          for (const [col, norm] of [['protocol', protocolOf], ['metaData', metaDataOf]]) {
            if (!r[col]) continue;
            if (entry[col]) {
              console.error(`${t.name}: checkpoint ${v} has more than one ${col}`);
              process.exit(1);
            }
            entry[col] = norm(r[col]);
          }
        }
      }
      (oracle[t.name] ??= {})[v] = entry;
    }
  }
  writeFileSync(OUT, sortedJson(oracle));
  console.error(`${relative(process.cwd(), OUT)}: ${Object.keys(oracle).length} tables, ` +
                `${nfiles} checkpoint files`);
}

main().catch((e) => { console.error(e); process.exit(1); });
