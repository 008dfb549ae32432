#!/usr/bin/env python3
"""Reads every checkpoint-shaped Parquet fixture (tests/fixtures/parquet: every codec, page
v1/v2, dictionary on/off and fallback, several row groups, legacy layouts) as the checkpoint
of a small table and compares `deltaq files` and `deltaq info` with what the fixture's rows
(DuckDB's reading of the same file, committed beside it) say, after one JSON commit on top.
Prints 'N passed, N failed'."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
fixdir = os.path.join(here, "fixtures", "parquet")
deltaq = os.environ.get("DELTAQ", os.path.join(here, "..", "build", "deltaq"))
manifest = json.load(open(os.path.join(fixdir, "MANIFEST.json")))
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def dv_id(dv):
    if not dv:
        return ""
    s = dv["storageType"] + dv["pathOrInlineDv"]
    return s + ("@%d" % dv["offset"] if dv.get("offset") is not None else "")


def num_records(add):
    if add.get("stats"):
        return json.loads(add["stats"]).get("numRecords")
    sp = add.get("stats_parsed") or {}
    return sp.get("numRecords")


def expected(rows, drop):
    """Live adds of the checkpoint rows after a commit that removes `drop` and adds one file."""
    files = {}
    for r in rows:
        a = r.get("add")
        if a and not (a["path"] == drop and not a.get("deletionVector")):
            dv = a.get("deletionVector")
            pv = {k: v for k, v in (a.get("partitionValues") or {}).items()}
            files[(a["path"], dv_id(dv))] = (a["path"], a["size"], num_records(a),
                                             dv["cardinality"] if dv else None, pv)
    files[("new.parquet", "")] = ("new.parquet", 7, 3, None, {"date": "2024-02-01", "region": "us"})
    return files


def run(*args):
    r = subprocess.run([deltaq, *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


tmp = tempfile.mkdtemp()
try:
    for name, fx in sorted(manifest["fixtures"].items()):
        if not fx.get("rows"):
            continue
        rows = [json.loads(l) for l in open(os.path.join(fixdir, fx["rows"]), encoding="utf-8")]
        if not any(r.get("metaData") for r in rows) or not any(r.get("add") for r in rows):
            continue  # not checkpoint-shaped
        # a remove without a DV matches only an add without one (protocol.md 3.2)
        first = next(r["add"]["path"] for r in rows if r.get("add") and not r["add"].get("deletionVector"))
        t = os.path.join(tmp, name)
        log = os.path.join(t, "_delta_log")
        os.makedirs(log)
        shutil.copy(os.path.join(fixdir, name), os.path.join(log, "%020d.checkpoint.parquet" % 5))
        with open(os.path.join(log, "%020d.json" % 5), "w") as f:
            f.write('{"commitInfo":{"operation":"WRITE"}}\n')
        with open(os.path.join(log, "%020d.json" % 6), "w") as f:
            f.write(json.dumps({"commitInfo": {"operation": "WRITE"}}) + "\n")
            f.write(json.dumps({"remove": {"path": first, "dataChange": True}}) + "\n")
            f.write(json.dumps({"add": {"path": "new.parquet", "partitionValues": {"date": "2024-02-01", "region": "us"},
                                        "size": 7, "modificationTime": 0, "dataChange": True,
                                        "stats": "{\"numRecords\":3}"}}) + "\n")
        want = expected(rows, first)
        code, out, err = run("files", "-o", "json", t)
        check(code == 0, "%s: files exit %d: %s" % (name, code, err.strip()))
        if code != 0:
            continue
        got = {}
        for f in json.loads(out):
            got[f["path"]] = (f["path"], f["size"], f["num_records"], f["dv_cardinality"],
                              f["partition_values"])
        want_by_path = {v[0]: v for v in want.values()}
        check(got == want_by_path, "%s: files differ: %d got, %d expected; first difference %s" % (
            name, len(got), len(want_by_path),
            next(((p, got.get(p), want_by_path.get(p)) for p in sorted(set(got) | set(want_by_path))
                  if got.get(p) != want_by_path.get(p)), None)))
        code, out, err = run("info", "-o", "json", t)
        info = json.loads(out) if code == 0 else {}
        check(info.get("checkpoint_version") == 5 and info.get("commits_since_checkpoint") == 1,
              "%s: info checkpoint fields %s %s" % (name, info.get("checkpoint_version"),
                                                     info.get("commits_since_checkpoint")))
        prot = next(r["protocol"] for r in rows if r.get("protocol"))
        check(info.get("min_reader_version") == prot["minReaderVersion"] and
              sorted(info.get("reader_features") or []) == sorted(prot.get("readerFeatures") or []),
              "%s: protocol from the checkpoint" % name)
        txns = {r["txn"]["appId"]: r["txn"]["version"] for r in rows if r.get("txn")}
        check(info.get("app_transactions") == dict(sorted(txns.items())),
              "%s: app_transactions %s != %s" % (name, info.get("app_transactions"), txns))
        code, out, err = run("show", "-o", "json", t, "5")
        check(code == 0, "%s: show 5 exit %d %s" % (name, code, err.strip()))
finally:
    shutil.rmtree(tmp)
print("checkpoints: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
