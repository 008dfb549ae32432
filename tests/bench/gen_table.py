#!/usr/bin/env python3
"""
gen_table.py - writes the synthetic Delta table behind `make bench`.

A JSON-only log (no checkpoint) shaped like one year of Spark appends to a table
partitioned by date: 20,000 commits, about 100,000 add actions with full min/max/nullCount
stats, 365 date partitions, and some DELETE and OPTIMIZE commits that remove earlier files.
Every commit opens with a commitInfo line; version 0 also holds protocol 1/2 and metaData.
Commit file mtimes increase with the commit timestamps.  No Parquet data is written.

The output is deterministic (seeded), so runs on different days and machines compare.
Alongside the table it writes expected.json: the answer a replay must find (number of
active files, their bytes and numRecords), which run.sh checks deltaq against.

Usage: gen_table.py [--out DIR] [--force]
  DIR (default tests/bench/work) receives table/, expected.json and table.stamp.  The
  table is regenerated only when missing or when this script (or its parameters) changed.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import sys
import time
import uuid

SEED = 20240101
COMMITS = 20_000
PARTITIONS = 365
START_MS = 1704067200000                      # 2024-01-01T00:00:00Z
DAY_MS = 86_400_000
STEP_MS = PARTITIONS * DAY_MS // COMMITS      # one commit every ~26 minutes
ENGINE = "Apache-Spark/3.5.1 Delta-Lake/3.2.0"

EVENTS = ["add_to_cart", "checkout", "click", "login", "logout", "purchase", "refund",
          "search", "signup", "view"]
COUNTRIES = ["AR", "AT", "AU", "BE", "BR", "CA", "CH", "CN", "DE", "DK", "ES", "FI", "FR",
             "GB", "IE", "IN", "IT", "JP", "KR", "MX", "NL", "NO", "NZ", "PL", "PT", "SE",
             "US", "ZA"]

SCHEMA = {"type": "struct", "fields": [
    {"name": "id", "type": "long", "nullable": False, "metadata": {}},
    {"name": "user_id", "type": "long", "nullable": True, "metadata": {}},
    {"name": "kind", "type": "string", "nullable": True, "metadata": {}},
    {"name": "amount", "type": "double", "nullable": True, "metadata": {}},
    {"name": "qty", "type": "integer", "nullable": True, "metadata": {}},
    {"name": "ts", "type": "timestamp", "nullable": True, "metadata": {}},
    {"name": "country", "type": "string", "nullable": True, "metadata": {}},
    {"name": "date", "type": "date", "nullable": True, "metadata": {}},
]}


def dumps(obj):
    """Compact JSON as Spark writes it."""
    return json.dumps(obj, separators=(",", ":"))


def day_of(ms):
    return (ms - START_MS) // DAY_MS


def date_str(day):
    return (datetime.date(2024, 1, 1) + datetime.timedelta(days=day)).isoformat()


def ts_str(ms):
    sec, milli = divmod(ms, 1000)
    t = time.gmtime(sec)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03dZ" % milli


class Gen:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.event_id = 0
        # day -> list of active files [path, size, num_records]
        self.active = {}
        self.n_adds = 0
        self.n_removes = 0

    def uuid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def stats(self, day, num_records):
        r = self.rng
        first = self.event_id
        self.event_id += num_records
        lo_ms = START_MS + day * DAY_MS + r.randrange(0, 3_600_000)
        hi_ms = START_MS + (day + 1) * DAY_MS - r.randrange(1, 3_600_000)
        ev = sorted(r.sample(EVENTS, 2))
        co = sorted(r.sample(COUNTRIES, 2))
        return {
            "numRecords": num_records,
            "minValues": {"id": first, "user_id": r.randrange(1, 5000), "kind": ev[0],
                          "amount": round(r.uniform(0, 5), 2), "qty": 1,
                          "ts": ts_str(lo_ms), "country": co[0]},
            "maxValues": {"id": first + num_records - 1,
                          "user_id": r.randrange(9_000_000, 10_000_000), "kind": ev[1],
                          "amount": round(r.uniform(900, 10000), 2),
                          "qty": r.randrange(10, 100), "ts": ts_str(hi_ms), "country": co[1]},
            "nullCount": {"id": 0, "user_id": r.randrange(0, 50), "kind": 0,
                          "amount": r.randrange(0, num_records // 100 + 1), "qty": 0,
                          "ts": 0, "country": r.randrange(0, 200)},
        }

    def add(self, day, ts, num_records, data_change=True, part=None):
        """An add action line for a new file in `day`, recorded as active."""
        r = self.rng
        size = num_records * r.randrange(24, 40) + r.randrange(4_000, 40_000)
        if part is None:
            part = r.randrange(0, 200)
        path = "date=%s/part-%05d-%s.c000.snappy.parquet" % (date_str(day), part, self.uuid())
        line = dumps({"add": {
            "path": path,
            "partitionValues": {"date": date_str(day)},
            "size": size,
            "modificationTime": ts - r.randrange(1_000, 30_000),
            "dataChange": data_change,
            "stats": dumps(self.stats(day, num_records)),
        }})
        self.active.setdefault(day, []).append([path, size, num_records])
        self.n_adds += 1
        return line, size, num_records

    def remove(self, day, idx, ts, data_change=True):
        """A remove action line for active file idx of `day`, dropped from the active set."""
        files = self.active[day]
        files[idx], files[-1] = files[-1], files[idx]
        path, size, num_records = files.pop()
        line = dumps({"remove": {
            "path": path,
            "deletionTimestamp": ts,
            "dataChange": data_change,
            "extendedFileMetadata": True,
            "partitionValues": {"date": date_str(day)},
            "size": size,
        }})
        self.n_removes += 1
        return line, size, num_records

    def commit_info(self, ts, version, operation, params, metrics, blind):
        ci = {"timestamp": ts, "operation": operation, "operationParameters": params}
        if version > 0:
            ci["readVersion"] = version - 1
        ci["isolationLevel"] = "WriteSerializable" if operation == "WRITE" else "Serializable"
        ci["isBlindAppend"] = blind
        ci["operationMetrics"] = {k: str(v) for k, v in metrics.items()}
        ci["engineInfo"] = ENGINE
        ci["txnId"] = self.uuid()
        return dumps({"commitInfo": ci})

    def write(self, version, ts):
        r = self.rng
        today = min(day_of(ts), PARTITIONS - 1)
        lines, nbytes, nrows = [], 0, 0
        nfiles = r.randint(2, 8)
        for i in range(nfiles):
            day = today - 1 if today > 0 and r.random() < 0.1 else today
            line, size, rows = self.add(day, ts, r.randrange(5_000, 400_000), part=i)
            lines.append(line)
            nbytes += size
            nrows += rows
        if version == 0:
            params = {"mode": "ErrorIfExists", "partitionBy": dumps(["date"])}
        else:
            params = {"mode": "Append", "partitionBy": "[]"}
        metrics = {"numFiles": nfiles, "numOutputRows": nrows, "numOutputBytes": nbytes}
        return [self.commit_info(ts, version, "WRITE", params, metrics, True)] + lines

    def delete(self, version, ts):
        """DELETE of some rows in an older partition: rewrites 1-5 of its files."""
        r = self.rng
        today = min(day_of(ts), PARTITIONS - 1)
        day = r.randrange(0, today + 1)
        files = self.active.get(day)
        if not files:
            return self.write(version, ts)
        # Remove first, then add: a path may not be both added and removed in one commit.
        lines, rm_bytes, add_bytes, deleted, copied, kept = [], 0, 0, 0, 0, []
        for _ in range(min(len(files), r.randint(1, 5))):
            line, size, rows = self.remove(day, r.randrange(len(files)), ts)
            lines.append(line)
            rm_bytes += size
            gone = r.randrange(1, rows // 10 + 2)
            deleted += gone
            if gone < rows:
                kept.append(rows - gone)
        nremoved = len(lines)
        for rows in kept:
            line, size, _ = self.add(day, ts, rows)
            lines.append(line)
            add_bytes += size
            copied += rows
        nadded = len(kept)
        params = {"predicate": dumps(["(user_id#%dL = %d)" % (r.randrange(100, 999),
                                                              r.randrange(1, 10_000_000))])}
        metrics = {"numRemovedFiles": nremoved, "numRemovedBytes": rm_bytes,
                   "numCopiedRows": copied, "numDeletionVectorsAdded": 0,
                   "numDeletionVectorsRemoved": 0, "numAddedChangeFiles": 0,
                   "executionTimeMs": r.randrange(800, 20_000),
                   "numDeletionVectorsUpdated": 0, "numDeletedRows": deleted,
                   "scanTimeMs": r.randrange(200, 5_000), "numAddedFiles": nadded,
                   "numAddedBytes": add_bytes, "rewriteTimeMs": r.randrange(500, 15_000)}
        return [self.commit_info(ts, version, "DELETE", params, metrics, False)] + lines

    def optimize(self, version, ts):
        """OPTIMIZE of one older partition: compacts up to 40 of its files into 1-2."""
        r = self.rng
        today = min(day_of(ts), PARTITIONS - 1)
        candidates = [d for d in range(max(0, today - 30), today) if len(self.active.get(d, ())) >= 8]
        if not candidates:
            return self.write(version, ts)
        day = r.choice(candidates)
        files = self.active[day]
        lines, rm_sizes, rows = [], [], 0
        for _ in range(min(len(files), 40)):
            line, size, n = self.remove(day, r.randrange(len(files)), ts, data_change=False)
            lines.append(line)
            rm_sizes.append(size)
            rows += n
        out = 1 if rows < 4_000_000 else 2
        add_sizes = []
        for i in range(out):
            n = rows // out + (rows % out if i == 0 else 0)
            line, size, _ = self.add(day, ts, n, data_change=False, part=i)
            lines.append(line)
            add_sizes.append(size)
        add_sizes.sort()
        params = {"predicate": dumps(["(date#%d = %s)" % (r.randrange(100, 999), date_str(day))]),
                  "auto": False,
                  "clusterBy": "[]", "zOrderBy": "[]"}
        metrics = {"numRemovedFiles": len(rm_sizes), "numRemovedBytes": sum(rm_sizes),
                   "p25FileSize": add_sizes[0], "numDeletionVectorsRemoved": 0,
                   "minFileSize": add_sizes[0], "numAddedFiles": out,
                   "maxFileSize": add_sizes[-1], "p75FileSize": add_sizes[-1],
                   "p50FileSize": add_sizes[len(add_sizes) // 2],
                   "numAddedBytes": sum(add_sizes)}
        return [self.commit_info(ts, version, "OPTIMIZE", params, metrics, False)] + lines


def generate(table):
    g = Gen()
    log = os.path.join(table, "_delta_log")
    os.makedirs(log)
    log_bytes = 0
    ops = {"WRITE": 0, "DELETE": 0, "OPTIMIZE": 0}
    for v in range(COMMITS):
        ts = START_MS + v * STEP_MS + g.rng.randrange(0, STEP_MS - 1000)
        x = g.rng.random()
        if v == 0:
            lines = g.write(v, ts)
            protocol = dumps({"protocol": {"minReaderVersion": 1, "minWriterVersion": 2}})
            metadata = dumps({"metaData": {
                "id": g.uuid(), "format": {"provider": "parquet", "options": {}},
                "schemaString": dumps(SCHEMA), "partitionColumns": ["date"],
                "configuration": {}, "createdTime": ts - 2_000}})
            lines[1:1] = [protocol, metadata]
        elif x < 0.03:
            lines = g.delete(v, ts)
        elif x < 0.045:
            lines = g.optimize(v, ts)
        else:
            lines = g.write(v, ts)
        ops[json.loads(lines[0])["commitInfo"]["operation"]] += 1
        data = ("\n".join(lines) + "\n").encode()
        path = os.path.join(log, "%020d.json" % v)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, ns=(ts * 1_000_000, ts * 1_000_000))
        log_bytes += len(data)
    files = [f for fs in g.active.values() for f in fs]
    return {
        "num_files": len(files),
        "size_bytes": sum(f[1] for f in files),
        "num_records": sum(f[2] for f in files),
        "num_partitions": sum(1 for fs in g.active.values() if fs),
        "commits": COMMITS,
        "operations": ops,
        "adds": g.n_adds,
        "removes": g.n_removes,
        "log_bytes": log_bytes,
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description="Write the synthetic Delta table for make bench.")
    ap.add_argument("--out", default=os.path.join(here, "work"))
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()

    with open(os.path.abspath(__file__), "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    table = os.path.join(args.out, "table")
    stamp_path = os.path.join(args.out, "table.stamp")
    expected_path = os.path.join(args.out, "expected.json")
    if not args.force and os.path.isdir(table) and os.path.exists(expected_path):
        try:
            with open(stamp_path) as f:
                if f.read().strip() == stamp:
                    return 0
        except OSError:
            pass

    os.makedirs(args.out, exist_ok=True)
    tmp = table + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.monotonic()
    expected = generate(tmp)
    shutil.rmtree(table, ignore_errors=True)
    os.rename(tmp, table)
    with open(expected_path, "w") as f:
        f.write(json.dumps(expected, indent=2) + "\n")
    with open(stamp_path, "w") as f:
        f.write(stamp + "\n")
    print("gen_table: wrote %s in %.1f s: %d commits, %d adds, %d removes, %.1f MB of log; "
          "%d active files" % (table, time.monotonic() - t0, expected["commits"],
                               expected["adds"], expected["removes"],
                               expected["log_bytes"] / 1e6, expected["num_files"]),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
