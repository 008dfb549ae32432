// duckdb_replay.mjs - the DuckDB peer of `deltaq info` in the bench.
//
// Replays a JSON-only Delta log in SQL through the npm package @duckdb/node-api (installed
// by run.sh into tests/bench/node/): read_json over _delta_log/*.json, the newest add or
// remove per path wins (version taken from the file name), and the live ones give the
// active files' count and bytes, printed as {"num_files":..,"size_bytes":..}.
//
// Usage: node duckdb_replay.mjs TABLE      the replay
//        node duckdb_replay.mjs --select1  start-up only: load DuckDB and run `select 1`
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'node', 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const arg = process.argv[2];
if (!arg) {
	console.error('usage: node duckdb_replay.mjs TABLE | --select1');
	process.exit(2);
}

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();

if (arg === '--select1') {
	const r = await con.runAndReadAll('select 1 as one');
	console.log(JSON.stringify({ one: Number(r.getRows()[0][0]) }));
	process.exit(0);
}

const glob = join(arg, '_delta_log', '*.json').replaceAll("'", "''");
const sql = `
with actions as (
	select cast(regexp_extract(filename, '(\\d+)\\.json$', 1) as bigint) as version,
	       coalesce(add.path, remove.path) as path,
	       add is not null as live,
	       add.size as size
	from read_json('${glob}',
	               format = 'newline_delimited',
	               filename = true,
	               columns = {add: 'struct(path varchar, size bigint)',
	                          remove: 'struct(path varchar)'})
	where add is not null or remove is not null
), newest as (
	select arg_max({live: live, size: size}, version) as a
	from actions
	group by path
)
select count(*) as num_files, coalesce(sum(a.size), 0) as size_bytes
from newest
where a.live`;
const r = await con.runAndReadAll(sql);
const [files, bytes] = r.getRows()[0];
console.log(JSON.stringify({ num_files: Number(files), size_bytes: Number(bytes) }));
