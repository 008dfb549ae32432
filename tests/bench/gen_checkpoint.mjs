// gen_checkpoint.mjs - writes the checkpoint table behind `make bench`.
//
// A Delta table shaped like a year of Spark appends after log cleanup: a single-part
// checkpoint at version 99 holding 1,000,000 adds (100 date partitions, Spark-style
// stats JSON of 300-500 bytes, INSERTION_TIME tags on every tenth file), 10,000 remove
// tombstones, one txn, protocol 1/2 and metaData; `_last_checkpoint`; 99.json (Spark keeps
// the checkpointed commit); and 50 JSON commits 100..149 (WRITE, DELETE and OPTIMIZE; the
// DELETEs and OPTIMIZEs remove files of the checkpoint).  Commits 0..98 were cleaned up.
//
// The checkpoint is written by DuckDB (the npm package @duckdb/node-api, installed by run.sh
// into tests/bench/node/) with COPY ... (FORMAT PARQUET, COMPRESSION SNAPPY), every column
// Spark-shaped: top-level optional structs txn, add, remove, metaData, protocol, in Spark's
// order, rows in path-hash order with protocol and metaData among them (as Spark's
// repartition by path leaves them), MAPs and LISTs in the three-level form.
//
// The answer comes from the generated data, not from reading the files back: each add's
// size and numRecords are columns of a staging table (the stats string is printed from
// numRecords), summed in SQL, and the tail commits are tracked here as they are written.
// expected.json receives num_files, size_bytes, num_records and per-partition sums.
//
// The output is deterministic.  Only DuckDB is needed; generation takes 10-15 s and
// 2.7 GB of memory, and writes 185 MB.
//
// Usage: node gen_checkpoint.mjs [--out DIR] [--force]
//   DIR (default tests/bench/work/cp) receives table/, expected.json and table.stamp; the
//   table is regenerated only when missing or when this script or DuckDB's version changed.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'node', 'package.json'));

const N_ADD = 1_000_000;
const N_TOMBSTONE = 10_000;
const PARTITIONS = 100;
const CP_VERSION = 99;
const TAIL = 50;
const START_MS = 1704067200000;                 // 2024-01-01T00:00:00Z
const DAY_MS = 86_400_000;
const CP_MS = START_MS + PARTITIONS * DAY_MS;   // the checkpoint's commit, after the last day
const STEP_MS = 1_800_000;                      // a tail commit every 30 minutes
const ENGINE = 'Apache-Spark/3.5.1 Delta-Lake/3.2.0';
const EVENTS = ['add_to_cart', 'checkout', 'click', 'login', 'logout', 'purchase', 'refund',
	'search', 'signup', 'view'];
const COUNTRIES = ['AR', 'AT', 'AU', 'BE', 'BR', 'CA', 'CH', 'CN', 'DE', 'DK', 'ES', 'FI', 'FR',
	'GB', 'IE', 'IN', 'IT', 'JP', 'KR', 'MX', 'NL', 'NO', 'NZ', 'PL', 'PT', 'SE', 'US', 'ZA'];
const SCHEMA = {type: 'struct', fields: [
	{name: 'id', type: 'long', nullable: false, metadata: {}},
	{name: 'user_id', type: 'long', nullable: true, metadata: {}},
	{name: 'kind', type: 'string', nullable: true, metadata: {}},
	{name: 'amount', type: 'double', nullable: true, metadata: {}},
	{name: 'qty', type: 'integer', nullable: true, metadata: {}},
	{name: 'ts', type: 'timestamp', nullable: true, metadata: {}},
	{name: 'country', type: 'string', nullable: true, metadata: {}},
	{name: 'date', type: 'date', nullable: true, metadata: {}},
]};
const sqlstr = s => "'" + s.replaceAll("'", "''") + "'";
const sqllist = a => '[' + a.map(sqlstr).join(', ') + ']';
const pad20 = v => String(v).padStart(20, '0');
const dateStr = day => new Date(START_MS + day * DAY_MS).toISOString().slice(0, 10);

// Per-file pseudo-random numbers from the row number: r(i, k) in [0, 1000003).
const PRIMES = [7919, 104729, 1299709, 15485863];
const rsql = k => `((i * ${PRIMES[k]} + ${13 + k}) % 1000003)`;

// The checkpoint's column types, in Spark's order.
const TYPES = `
CREATE TYPE txn_t AS STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT);
CREATE TYPE dv_t AS STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER,
	sizeInBytes INTEGER, cardinality BIGINT);
CREATE TYPE add_t AS STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT,
	modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR),
	deletionVector dv_t, baseRowId BIGINT, defaultRowCommitVersion BIGINT,
	clusteringProvider VARCHAR);
CREATE TYPE remove_t AS STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN,
	extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT,
	deletionVector dv_t, baseRowId BIGINT, defaultRowCommitVersion BIGINT);
CREATE TYPE meta_t AS STRUCT(id VARCHAR, name VARCHAR, description VARCHAR,
	format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR,
	partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT);
CREATE TYPE protocol_t AS STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER,
	readerFeatures VARCHAR[], writerFeatures VARCHAR[])`;

// The staging table: one row per checkpoint add, with its numbers in plain columns.
const uuid = m => `substr(${m}, 1, 8) || '-' || substr(${m}, 9, 4) || '-4' || substr(${m}, 14, 3)
	|| '-a' || substr(${m}, 18, 3) || '-' || substr(${m}, 21, 12)`;
const STATS_FORMAT = '{"numRecords":%d,"minValues":{"id":%d,"user_id":%d,"kind":"%s",' +
	'"amount":%d.%02d,"qty":1,"ts":"%sT00:%02d:%02d.%03dZ","country":"%s"},' +
	'"maxValues":{"id":%d,"user_id":%d,"kind":"%s","amount":%d.%02d,"qty":%d,' +
	'"ts":"%sT23:%02d:%02d.%03dZ","country":"%s"},' +
	'"nullCount":{"id":0,"user_id":%d,"kind":0,"amount":%d,"qty":0,"ts":0,"country":%d}}';
const STAGING = `
CREATE TABLE f AS
SELECT i, day, ds, path, size, mtime, nrec,
	printf(${sqlstr(STATS_FORMAT)},
		nrec, i * 400000, 1 + r1 % 5000, ${sqllist(EVENTS)}[1 + r0 % 5], r2 % 5, r3 % 100,
		ds, r0 % 60, r1 % 60, r2 % 1000, ${sqllist(COUNTRIES)}[1 + r3 % 14],
		i * 400000 + nrec - 1, 9000000 + r2 % 1000000, ${sqllist(EVENTS)}[6 + r1 % 5],
		900 + r3 % 9100, r0 % 100, 10 + r1 % 90, ds, r3 % 60, r0 % 60, r1 % 1000,
		${sqllist(COUNTRIES)}[15 + r2 % 14],
		r0 % 50, r1 % (nrec // 100 + 1), r2 % 200) AS stats,
	CASE WHEN i % 10 = 0 THEN MAP {'INSERTION_TIME': (mtime * 1000)::VARCHAR,
		'MIN_INSERTION_TIME': (mtime * 1000 - 1000)::VARCHAR,
		'MAX_INSERTION_TIME': (mtime * 1000)::VARCHAR,
		'OPTIMIZE_TARGET_SIZE': '268435456'} END AS tags
FROM (
	SELECT *, nrec * (24 + r1 % 16) + 4000 + r2 % 36000 AS size,
		${START_MS} + day * ${DAY_MS} + (r3 * 86) % ${DAY_MS} AS mtime,
		printf('date=%s/part-%05d-%s.c000.snappy.parquet', ds, r0 % 200, ${uuid('m')}) AS path
	FROM (
		SELECT i, i // ${N_ADD / PARTITIONS} AS day,
			strftime(DATE '2024-01-01' + (i // ${N_ADD / PARTITIONS})::INTEGER, '%Y-%m-%d') AS ds,
			md5('add' || i) AS m,
			${rsql(0)} AS r0, ${rsql(1)} AS r1, ${rsql(2)} AS r2, ${rsql(3)} AS r3,
			5000 + ${rsql(0)} % 395000 AS nrec
		FROM range(${N_ADD}) t(i)
	)
)`;

function checkpointSql(file) {
	const meta = {
		id: 'b1d7c0de-5eed-4c4e-9a7e-000000000099', format: 'parquet',
		schemaString: JSON.stringify(SCHEMA), createdTime: START_MS - 2000,
	};
	return `
COPY (
	SELECT txn, "add", remove, metaData, protocol FROM (
		SELECT md5('protocol') AS k, NULL::txn_t AS txn, NULL::add_t AS "add",
			NULL::remove_t AS remove, NULL::meta_t AS metaData,
			{'minReaderVersion': 1, 'minWriterVersion': 2, 'readerFeatures': NULL,
			 'writerFeatures': NULL}::protocol_t AS protocol
		UNION ALL
		SELECT md5('metaData'), NULL, NULL, NULL,
			{'id': ${sqlstr(meta.id)}, 'name': NULL, 'description': NULL,
			 'format': {'provider': 'parquet', 'options': MAP {}},
			 'schemaString': ${sqlstr(meta.schemaString)}, 'partitionColumns': ['date'],
			 'configuration': MAP {}, 'createdTime': ${meta.createdTime}}::meta_t, NULL
		UNION ALL
		SELECT md5('txn'), {'appId': 'f7c1b3a2-0d4e-4b8a-9c6f-3e2d1a0b9c8d', 'version': 4711,
			'lastUpdated': ${CP_MS - 60000}}::txn_t, NULL, NULL, NULL, NULL
		UNION ALL
		SELECT md5(path), NULL,
			{'path': path, 'partitionValues': MAP {'date': ds}, 'size': size,
			 'modificationTime': mtime, 'dataChange': false, 'stats': stats, 'tags': tags,
			 'deletionVector': NULL, 'baseRowId': NULL, 'defaultRowCommitVersion': NULL,
			 'clusteringProvider': NULL}::add_t, NULL, NULL, NULL
		FROM f
		UNION ALL
		SELECT md5(path), NULL, NULL,
			{'path': path, 'deletionTimestamp': ${CP_MS} - i * 1000, 'dataChange': true,
			 'extendedFileMetadata': true, 'partitionValues': MAP {'date': ds}, 'size': size,
			 'deletionVector': NULL, 'baseRowId': NULL, 'defaultRowCommitVersion': NULL}::remove_t,
			NULL, NULL
		FROM (SELECT i, ds, 'date=' || ds || '/part-00000-' || ${uuid("md5('rm' || i)")}
				|| '.c000.snappy.parquet' AS path, 20000 + (i * 7919) % 2000000 AS size
			FROM (SELECT i, strftime(DATE '2024-01-01' + (i % ${PARTITIONS})::INTEGER,
				'%Y-%m-%d') AS ds FROM range(${N_TOMBSTONE}) t(i)))
	) ORDER BY k
) TO ${sqlstr(file)} (FORMAT PARQUET, COMPRESSION SNAPPY)`;
}

// mulberry32: a small seeded generator for the tail commits.
function rng(seed) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6D2B79F5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),   // lo..hi inclusive
		uuid: () => {
			const h = [];
			for (let k = 0; k < 4; k++)
				h.push(Math.floor(next() * 4294967296).toString(16).padStart(8, '0'));
			const s = h.join('');
			return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
		},
	};
}

const line = obj => JSON.stringify(obj);

// Stats JSON for a tail file, shaped like the checkpoint's.
function tailStats(r, day, nrec, firstId) {
	const ds = dateStr(day);
	const t = (h) => `${ds}T${h}:${String(r.int(0, 59)).padStart(2, '0')}:` +
		`${String(r.int(0, 59)).padStart(2, '0')}.${String(r.int(0, 999)).padStart(3, '0')}Z`;
	return line({
		numRecords: nrec,
		minValues: {id: firstId, user_id: r.int(1, 5000), kind: EVENTS[r.int(0, 4)],
			amount: r.int(0, 499) / 100, qty: 1, ts: t('00'), country: COUNTRIES[r.int(0, 13)]},
		maxValues: {id: firstId + nrec - 1, user_id: r.int(9000000, 9999999),
			kind: EVENTS[r.int(5, 9)], amount: r.int(90000, 999999) / 100, qty: r.int(10, 99),
			ts: t('23'), country: COUNTRIES[r.int(14, 27)]},
		nullCount: {id: 0, user_id: r.int(0, 49), kind: 0, amount: r.int(0, nrec / 100),
			qty: 0, ts: 0, country: r.int(0, 199)},
	});
}

// The tail: commits 100..149 over the checkpoint's state.  `pick(n, day)` returns n live
// checkpoint files (rows of f) of a day; returns the commits' lines and the net change.
async function tail(pick) {
	const r = rng(20240410);
	const live = new Map();      // path -> {day, size, nrec}: files added by the tail
	const gone = new Map();      // path -> {day, size, nrec}: checkpoint files removed
	const commits = [];
	let nextId = 400000 * N_ADD;
	let adds = 0, removes = 0;
	const addLine = (day, ts, nrec, dataChange, part) => {
		const size = nrec * r.int(24, 39) + r.int(4000, 39999);
		const path = `date=${dateStr(day)}/part-${String(part).padStart(5, '0')}-${r.uuid()}.c000.snappy.parquet`;
		const stats = tailStats(r, day, nrec, nextId);
		nextId += nrec;
		live.set(path, {day, size, nrec});
		adds++;
		return line({add: {path, partitionValues: {date: dateStr(day)}, size,
			modificationTime: ts - r.int(1000, 29999), dataChange, stats}});
	};
	const removeLine = (path, f, ts, dataChange) => {
		removes++;
		return line({remove: {path, deletionTimestamp: ts, dataChange,
			extendedFileMetadata: true, partitionValues: {date: dateStr(f.day)}, size: f.size}});
	};
	const commitInfo = (ts, v, operation, params, metrics, blind) => line({commitInfo: {
		timestamp: ts, operation, operationParameters: params, readVersion: v - 1,
		isolationLevel: operation === 'WRITE' ? 'WriteSerializable' : 'Serializable',
		isBlindAppend: blind,
		operationMetrics: Object.fromEntries(Object.entries(metrics).map(([k, x]) => [k, String(x)])),
		engineInfo: ENGINE, txnId: r.uuid()}});

	for (let v = CP_VERSION + 1; v <= CP_VERSION + TAIL; v++) {
		const ts = CP_MS + (v - CP_VERSION) * STEP_MS + r.int(0, 60000);
		const lines = [];
		if (v % 10 === 3 || v % 10 === 8) {
			// DELETE: rewrites 1-5 checkpoint files of one day, and one tail file if any.
			const day = r.int(0, PARTITIONS - 1);
			const victims = await pick(r.int(1, 5), day);
			if (v % 10 === 8 && live.size) {
				const [p, f] = [...live.entries()][r.int(0, live.size - 1)];
				victims.push({path: p, ...f, tail: true});
			}
			let rmBytes = 0, copied = 0, deleted = 0;
			for (const f of victims) {
				lines.push(removeLine(f.path, f, ts, true));
				if (f.tail) live.delete(f.path); else gone.set(f.path, f);
				rmBytes += f.size;
			}
			const kept = victims.map(f => {
				const d = r.int(1, Math.floor(f.nrec / 10) + 1);
				deleted += d;
				return [f.day, f.nrec - d];
			});
			let addBytes = 0;
			for (const [d, n] of kept) {
				lines.push(addLine(d, ts, n, true, r.int(0, 199)));
				addBytes += live.get(JSON.parse(lines.at(-1)).add.path).size;
				copied += n;
			}
			lines.unshift(commitInfo(ts, v, 'DELETE',
				{predicate: line([`(user_id#${r.int(100, 999)}L = ${r.int(1, 9999999)})`])},
				{numRemovedFiles: victims.length, numRemovedBytes: rmBytes,
					numCopiedRows: copied, numDeletedRows: deleted,
					numAddedFiles: kept.length, numAddedBytes: addBytes,
					executionTimeMs: r.int(800, 20000)}, false));
		} else if (v % 10 === 6) {
			// OPTIMIZE: compacts 40 checkpoint files of one day into one.
			const day = r.int(0, PARTITIONS - 1);
			const victims = await pick(40, day);
			let rows = 0, rmBytes = 0;
			for (const f of victims) {
				lines.push(removeLine(f.path, f, ts, false));
				gone.set(f.path, f);
				rows += f.nrec;
				rmBytes += f.size;
			}
			lines.push(addLine(day, ts, rows, false, 0));
			const size = live.get(JSON.parse(lines.at(-1)).add.path).size;
			lines.unshift(commitInfo(ts, v, 'OPTIMIZE',
				{predicate: line([`(date#${r.int(100, 999)} = ${dateStr(day)})`]), auto: false,
					clusterBy: '[]', zOrderBy: '[]'},
				{numRemovedFiles: victims.length, numRemovedBytes: rmBytes, numAddedFiles: 1,
					numAddedBytes: size, minFileSize: size, maxFileSize: size}, false));
		} else {
			// WRITE: 2-8 files into the last days.
			const n = r.int(2, 8);
			let bytes = 0, rows = 0;
			for (let k = 0; k < n; k++) {
				const day = PARTITIONS - 1 - (r.next() < 0.2 ? 1 : 0);
				const nrec = r.int(5000, 399999);
				lines.push(addLine(day, ts, nrec, true, k));
				bytes += live.get(JSON.parse(lines.at(-1)).add.path).size;
				rows += nrec;
			}
			lines.unshift(commitInfo(ts, v, 'WRITE', {mode: 'Append', partitionBy: '[]'},
				{numFiles: n, numOutputRows: rows, numOutputBytes: bytes}, true));
		}
		commits.push({version: v, ts, text: lines.join('\n') + '\n'});
	}
	return {commits, live, gone, adds, removes};
}

async function generate(con, table) {
	const log = join(table, '_delta_log');
	fs.mkdirSync(log, {recursive: true});
	const run = async sql => (await con.runAndReadAll(sql)).getRowObjectsJson();
	await run('SET threads = 2');
	for (const s of TYPES.split(';'))
		await run(s);
	await run(STAGING);

	// The tail first: it only needs the staging table.
	const taken = new Set();
	const pr = rng(99);
	const per = N_ADD / PARTITIONS;
	const pick = async (n, day) => {
		const want = [];
		while (want.length < n) {
			const i = day * per + pr.int(0, per - 1);
			if (!taken.has(i)) {
				taken.add(i);
				want.push(i);
			}
		}
		const rows = await run(`SELECT day, path, size, nrec FROM f
			WHERE i IN (${want.join(', ')}) ORDER BY i`);
		if (rows.length !== n) throw new Error(`pick: ${rows.length} of ${n} files`);
		return rows.map(x => ({path: x.path, day: Number(x.day), size: Number(x.size),
			nrec: Number(x.nrec)}));
	};
	const t = await tail(pick);

	// The checkpoint and 99.json, whose adds are the last three of the checkpoint's.
	const cpFile = join(log, pad20(CP_VERSION) + '.checkpoint.parquet');
	await run(checkpointSql(cpFile));
	const c99 = await run(`SELECT path, ds, size, mtime, stats FROM f
		WHERE i >= ${N_ADD - 3} ORDER BY i`);
	const ts99 = CP_MS;
	const lines99 = [line({commitInfo: {timestamp: ts99, operation: 'WRITE',
		operationParameters: {mode: 'Append', partitionBy: '[]'}, readVersion: CP_VERSION - 1,
		isolationLevel: 'WriteSerializable', isBlindAppend: true,
		operationMetrics: {numFiles: '3'}, engineInfo: ENGINE,
		txnId: '5d0b2c3e-9a8f-4e7d-b6c5-a4b3c2d1e0f9'}})];
	for (const x of c99)
		lines99.push(line({add: {path: x.path, partitionValues: {date: x.ds},
			size: Number(x.size), modificationTime: Number(x.mtime), dataChange: true,
			stats: x.stats}}));
	const commits = [{version: CP_VERSION, ts: ts99, text: lines99.join('\n') + '\n'},
		...t.commits];
	let logBytes = 0;
	for (const c of commits) {
		const p = join(log, pad20(c.version) + '.json');
		fs.writeFileSync(p, c.text);
		fs.utimesSync(p, c.ts / 1000, c.ts / 1000);
		logBytes += c.text.length;
	}
	const cpSize = fs.statSync(cpFile).size;
	const cpRows = 3 + N_ADD + N_TOMBSTONE;
	fs.writeFileSync(join(log, '_last_checkpoint'), line({version: CP_VERSION, size: cpRows,
		sizeInBytes: cpSize, numOfAddFiles: N_ADD}) + '\n');
	fs.utimesSync(cpFile, ts99 / 1000 + 5, ts99 / 1000 + 5);

	// The answer: the checkpoint's sums per day, less what the tail removed, plus what it
	// added and kept.
	const parts = new Map();
	for (const x of await run(`SELECT day, count(*)::BIGINT AS n, sum(size)::BIGINT AS b,
			sum(nrec)::BIGINT AS r FROM f GROUP BY day`))
		parts.set(Number(x.day), {n: Number(x.n), b: Number(x.b), r: Number(x.r)});
	for (const f of t.gone.values()) {
		const p = parts.get(f.day);
		p.n--; p.b -= f.size; p.r -= f.nrec;
	}
	for (const f of t.live.values()) {
		const p = parts.get(f.day);
		p.n++; p.b += f.size; p.r += f.nrec;
	}
	const days = [...parts.keys()].sort((a, b) => a - b).filter(d => parts.get(d).n > 0);
	const sum = k => days.reduce((s, d) => s + parts.get(d)[k], 0);
	for (const k of ['n', 'b', 'r'])
		if (!Number.isSafeInteger(sum(k))) throw new Error('sums exceed 2^53');
	const stat = await run(`SELECT min(length(stats)) AS lo, avg(length(stats))::INTEGER AS avg,
		max(length(stats)) AS hi FROM f`);
	return {
		num_files: sum('n'),
		size_bytes: sum('b'),
		num_records: sum('r'),
		num_partitions: days.length,
		partitions: Object.fromEntries(days.map(d => [dateStr(d),
			{num_files: parts.get(d).n, size_bytes: parts.get(d).b, num_records: parts.get(d).r}])),
		checkpoint_version: CP_VERSION,
		version: CP_VERSION + TAIL,
		checkpoint_adds: N_ADD,
		checkpoint_tombstones: N_TOMBSTONE,
		checkpoint_rows: cpRows,
		checkpoint_bytes: cpSize,
		stats_bytes: {min: Number(stat[0].lo), avg: Number(stat[0].avg), max: Number(stat[0].hi)},
		tail_commits: TAIL,
		tail_adds: t.adds,
		tail_removes: t.removes,
		tail_removed_from_checkpoint: t.gone.size,
		log_json_bytes: logBytes,
	};
}

async function main() {
	const args = process.argv.slice(2);
	let out = join(here, 'work', 'cp');
	let force = false;
	for (let k = 0; k < args.length; k++) {
		if (args[k] === '--out' && k + 1 < args.length) out = args[++k];
		else if (args[k] === '--force') force = true;
		else {
			console.error('usage: node gen_checkpoint.mjs [--out DIR] [--force]');
			process.exit(2);
		}
	}
	// The stamp: this script and the DuckDB that writes the checkpoint.
	const stamp = createHash('sha256').update(fs.readFileSync(fileURLToPath(import.meta.url)))
		.update(require('@duckdb/node-api/package.json').version).digest('hex');
	const table = join(out, 'table');
	const stampPath = join(out, 'table.stamp');
	const expectedPath = join(out, 'expected.json');
	if (!force && fs.existsSync(table) && fs.existsSync(expectedPath) &&
	    fs.existsSync(stampPath) && fs.readFileSync(stampPath, 'utf8').trim() === stamp)
		return;

	const { DuckDBInstance } = require('@duckdb/node-api');
	fs.mkdirSync(out, {recursive: true});
	const tmp = table + '.tmp';
	fs.rmSync(tmp, {recursive: true, force: true});
	const t0 = performance.now();
	const db = await DuckDBInstance.create(':memory:');
	const con = await db.connect();
	const expected = await generate(con, tmp);
	con.closeSync?.();
	fs.rmSync(table, {recursive: true, force: true});
	fs.renameSync(tmp, table);
	fs.writeFileSync(expectedPath, JSON.stringify(expected, null, 2) + '\n');
	fs.writeFileSync(stampPath, stamp + '\n');
	console.error(`gen_checkpoint: wrote ${table} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
		`checkpoint of ${expected.checkpoint_adds} adds (${(expected.checkpoint_bytes / 1e6).toFixed(1)} MB, ` +
		`stats ${expected.stats_bytes.avg} bytes on average) at version ${CP_VERSION}, ` +
		`${TAIL} commits after it; ${expected.num_files} active files`);
}

await main();
