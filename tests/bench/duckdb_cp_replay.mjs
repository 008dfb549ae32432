// duckdb_cp_replay.mjs - the DuckDB peer of deltaq on the bench's checkpoint table.
//
// Replays a Delta log that starts at a checkpoint, in SQL, through the npm package
// @duckdb/node-api (installed by run.sh into tests/bench/node/): reads _last_checkpoint,
// takes the adds of the single-part checkpoint with read_parquet and the commits after it
// with read_json; the newest add or remove per path in the commits wins, and a checkpoint add
// survives when no commit after the checkpoint touches its path.  numRecords comes from each
// live file's stats JSON.  Three modes, one per deltaq command it stands beside:
//
//   info        prints {"num_files":..,"size_bytes":..,"num_records":..}  (deltaq info)
//   files       prints one CSV line per active file: path, size, modification time,
//               partition values, numRecords, written by DuckDB to /dev/stdout  (deltaq files)
//   partitions  prints a JSON array, one element per partition: partition_values,
//               num_files, size_bytes, num_records  (deltaq partitions -o json)
//
// Multi-part and V2 checkpoints, deletion vectors and column mapping are out of scope: the
// bench table has none of them.
//
// Usage: node duckdb_cp_replay.mjs info|files|partitions TABLE
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'node', 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const [mode, table] = process.argv.slice(2);
if (!['info', 'files', 'partitions'].includes(mode) || !table) {
	console.error('usage: node duckdb_cp_replay.mjs info|files|partitions TABLE');
	process.exit(2);
}

const log = join(table, '_delta_log');
const cpVersion = JSON.parse(readFileSync(join(log, '_last_checkpoint'), 'utf8')).version;
const quote = s => "'" + s.replaceAll("'", "''") + "'";
const checkpoint = join(log, String(cpVersion).padStart(20, '0') + '.checkpoint.parquet');
const commits = readdirSync(log).filter(n => /^\d{20}\.json$/.test(n) &&
	Number(n.slice(0, 20)) > cpVersion).map(n => quote(join(log, n)));

const tail = commits.length === 0
	? `select null::bigint as version, null::varchar as path, null::boolean as live,
	          null::bigint as size, null::bigint as mtime, null::map(varchar, varchar) as pv,
	          null::varchar as stats
	   where false`
	: `select cast(regexp_extract(filename, '(\\d+)\\.json$', 1) as bigint) as version,
	          coalesce(add.path, remove.path) as path,
	          add is not null as live,
	          add.size as size, add.modificationTime as mtime, add.partitionValues as pv,
	          add.stats as stats
	   from read_json([${commits.join(', ')}],
	                  format = 'newline_delimited',
	                  filename = true,
	                  columns = {add: 'struct(path varchar, partitionValues map(varchar, varchar),
	                                          size bigint, modificationTime bigint, stats varchar)',
	                             remove: 'struct(path varchar)'})
	   where add is not null or remove is not null`;

const files = `
with tail as (${tail}),
newest as (
	select path, arg_max({live: live, size: size, mtime: mtime, pv: pv, stats: stats}, version) as a
	from tail
	group by path
),
cp as (
	select add.path as path, add.size as size, add.modificationTime as mtime,
	       add.partitionValues as pv, add.stats as stats
	from read_parquet(${quote(checkpoint)})
	where add is not null
),
files as (
	select path, size, mtime, pv, stats from cp anti join newest using (path)
	union all
	select path, a.size, a.mtime, a.pv, a.stats from newest where a.live
)
select path, size, mtime, pv, cast(stats ->> '$.numRecords' as bigint) as records from files`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();

if (mode === 'info') {
	const r = await con.runAndReadAll(`select count(*), coalesce(sum(size), 0), sum(records)
		from (${files})`);
	const [n, bytes, records] = r.getRows()[0];
	console.log(JSON.stringify({ num_files: Number(n), size_bytes: Number(bytes),
		num_records: Number(records) }));
} else if (mode === 'files') {
	await con.run(`copy (select path, size, mtime, cast(pv as varchar), records from (${files}))
		to '/dev/stdout' (format csv, header false)`);
} else {
	const r = await con.runAndReadAll(`select to_json({partition_values: pv, num_files: n,
			size_bytes: b, num_records: r})::varchar
		from (select pv, count(*) as n, sum(size) as b, sum(records) as r
		      from (${files}) group by pv)
		order by 1`);
	console.log('[\n' + r.getRows().map(x => x[0]).join(',\n') + '\n]');
}
