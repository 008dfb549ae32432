#!/usr/bin/env python3
"""Compares deltaq with the fixture generator's own replay (tests/fixtures/gen.py --facts),
an independent implementation of the replay rules, at every version of every readable
fixture: info totals, the file list (decoded paths, sizes, partition values, record counts,
DV cardinalities) and log timestamps.  Prints 'N passed, N failed'."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
deltaq = os.environ.get("DELTAQ", os.path.join(here, "..", "build", "deltaq"))
facts = json.loads(subprocess.run([sys.executable, os.path.join(here, "fixtures", "gen.py"), "--facts"],
                                  check=True, capture_output=True, text=True).stdout)
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def dq(*args):
    r = subprocess.run([deltaq, *args], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"deltaq {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def logical_names(schema):
    """physical -> logical names of top-level columns (column mapping)."""
    out = {}
    for f in schema.get("fields", []):
        phys = f.get("metadata", {}).get("delta.columnMapping.physicalName")
        out[phys or f["name"]] = f["name"]
    return out


def latest_schema(table):
    """The schema of the newest metaData action, read straight from the log."""
    schema = {}
    log = os.path.join(table, "_delta_log")
    for name in sorted(os.listdir(log)):
        if len(name) == 25 and name.endswith(".json") and name[:20].isdigit():
            with open(os.path.join(log, name), encoding="utf-8") as f:
                for line in f:
                    if line.startswith('{"metaData"'):
                        schema = json.loads(json.loads(line)["metaData"]["schemaString"])
    return schema


tmp = tempfile.mkdtemp()
try:
    for fx in facts:
        if not fx["expect"].startswith("reads fine"):
            continue
        name = fx["name"]
        table = os.path.join(tmp, name)
        shutil.copytree(os.path.join(here, "fixtures", name), table, symlinks=True)
        subprocess.run([os.path.join(here, "fixtures", "set-mtimes.sh"), table], check=True,
                       capture_output=True)
        names = logical_names(latest_schema(table))
        for v in fx["versions"]:
            ver = str(v["version"])
            info = dq("info", "-o", "json", "--at", ver, table)
            for k in ("num_files", "size_bytes", "num_records", "num_records_exact"):
                check(info[k] == v[k], f"{name}@{ver} info.{k}: got {info[k]}, want {v[k]}")
        info = dq("info", "-o", "json", table)
        check(info["version"] == fx["latest_version"], f"{name} version {info['version']}")
        files = dq("files", "-o", "json", table)
        got = sorted((f["path"], f["size"], f["num_records"], f["dv_cardinality"],
                      json.dumps(f["partition_values"], sort_keys=True)) for f in files)
        want = []
        for f in fx["files"]:
            pv = {names.get(k, k): val for k, val in f["partition_values"].items()}
            dv = f["dv_cardinality"] if f.get("dv_id") else None
            path = f["decoded"]
            # file:/a, file:///a and /a name one local file; deltaq shows the path.
            for scheme in ("file://", "file:"):
                if path.startswith(scheme + "/"):
                    path = path[len(scheme):]
                    break
            if path.startswith(table + "/"):
                path = path[len(table) + 1:]
            want.append((path, f["size"], f["num_records"], dv, json.dumps(pv, sort_keys=True)))
        want.sort()
        check(got == want, f"{name} files:\n  got  {got}\n  want {want}")
        log = dq("log", "-o", "json", table)
        times = {str(c["version"]): c["timestamp_ms"] for c in log}
        want_times = {k: t for k, t in fx["version_times"].items()}
        check(times == want_times, f"{name} log timestamps: got {times}, want {want_times}")
finally:
    shutil.rmtree(tmp)
print(f"fixtures: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
