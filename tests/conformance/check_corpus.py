#!/usr/bin/env python3
"""`deltaq check` over every table of ../shared/corpus.

Which tables are defective comes from each `<name>.expected.json` (its "check" field,
read as MANIFEST.md explains), never from deltaq's own output:
  "check": "error"  -> `deltaq check` must flag it: exit 1, 3 or 4;
  "check": "ok"     -> `deltaq check` must pass: exit 0 (warnings allowed).
Then `deltaq check --deep` runs over every table too.  Its findings are not compared
with anything (the corpus has tables whose data files were not copied), but it must end
with exit 0, 1, 3 or 4, never by a signal or a time-out, and its -o json report must parse.
Tables are found the way corpus.py finds them; none is special-cased by name.

One rule may overrule an "ok" expectation, with evidence independent of deltaq.  Issue 4's
DQ110 says a checkpoint that replays to a different snapshot than the JSON commits up to
its version is an error.  So for every table expected "ok", and every checkpoint at a
version V in its _delta_log/ (top level, not _sidecars/) whose JSON commits 0..V all
exist, this script replays those commits in plain Python (protocol and metaData: the last
one wins) and compares them with the checkpoint's own protocol and metaData:
  protocol: minReaderVersion, minWriterVersion, readerFeatures and writerFeatures (as sets,
            null == absent == empty);
  metaData: id, schemaString (parsed as JSON), partitionColumns (null == empty) and
            configuration (null == absent == {}).
A checkpoint's protocol/metaData come from checkpoint_oracle.json for Parquet checkpoints
(what DuckDB read; gen_checkpoint_oracle.mjs writes it) or from the file itself for JSON
(V2) checkpoints.  Only fields present on both sides are compared; a checkpoint without a
protocol or metaData action is not judged here.  When the oracle lacks a checkpoint, or
lists other files for its version (the corpus changed), that checkpoint is not compared
(-v says so).  When something differs the table is "disputed": a DISPUTED line names the
checkpoint version and fields, and `deltaq check -o json` must then exit 1 with an error
finding of rule DQ110 instead of exit 0.  Active files are not compared here.

Standard library only.  Prints one line per failure (-v: per table), one DISPUTED line
per disputed table, then "check corpus: N passed, N failed" and "N disputed"; exits 1 on
failure, 0 with "skipped" when the corpus is absent.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import discover  # noqa: E402

TIMEOUT = 60
ORACLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checkpoint_oracle.json")
# Checkpoints at the top of _delta_log/: classic, multi-part, V2 (UUID); sidecars live below.
CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(\.\d{10}\.\d{10}|\.[0-9a-fA-F-]{36})?"
                        r"\.(parquet|json)$")


def run(argv):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % TIMEOUT
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def summary(out):
    """The rules a JSON report names, for failure lines."""
    try:
        doc = json.loads(out)
        return ", ".join(sorted({f["rule"] for f in doc["findings"]
                                 if f["severity"] == "error"})) or "no error"
    except (ValueError, KeyError, TypeError):
        return "no report"


def fold(path, state):
    """(protocol, metaData) after the actions of the JSON-lines file `path`, from `state`.
    Raises OSError or ValueError when it cannot be read."""
    protocol, metadata = state
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                a = json.loads(line)
                protocol = a.get("protocol", protocol)
                metadata = a.get("metaData", metadata)
    return protocol, metadata


def replay_json(log, version):
    """(protocol, metaData) after JSON commits 0..version, or None if one is missing."""
    state = (None, None)
    try:
        for v in range(version + 1):
            state = fold(os.path.join(log, "%020d.json" % v), state)
    except (OSError, ValueError):
        return None
    return state


def json_checkpoint(path):
    """(protocol, metaData) of a JSON (V2) checkpoint file, or None if unreadable."""
    try:
        return fold(path, (None, None))
    except (OSError, ValueError):
        return None


def differences(commits, checkpoint):
    """Names of the fields in which a checkpoint's (protocol, metaData) differ."""
    diff = []
    for action, fields in (("protocol", (("minReaderVersion", None),
                                         ("minWriterVersion", None),
                                         ("readerFeatures", "set"),
                                         ("writerFeatures", "set"))),
                           ("metaData", (("id", None), ("schemaString", "json"),
                                         ("partitionColumns", "list"),
                                         ("configuration", "map")))):
        a, b = commits[action == "metaData"], checkpoint[action == "metaData"]
        if not isinstance(a, dict) or not isinstance(b, dict):
            continue
        for field, kind in fields:
            if kind is None and (field not in a or field not in b):
                continue
            x, y = a.get(field), b.get(field)
            try:
                if kind == "set":
                    x, y = set(x or []), set(y or [])
                elif kind == "list":
                    x, y = list(x or []), list(y or [])
                elif kind == "map":
                    x, y = dict(x or {}), dict(y or {})
                elif kind == "json":
                    x, y = json.loads(x), json.loads(y)
            except (TypeError, ValueError):
                pass    # compared as they are
            if x != y:
                diff.append("%s.%s" % (action, field))
    return diff


def dispute(t, oracle):
    """(evidence, notes): why an "ok" table contradicts DQ110 (None if it does not)."""
    notes = []
    log = os.path.join(t.path, "_delta_log")
    try:
        names = sorted(os.listdir(log))
    except OSError:
        return None, notes
    parquet, jsons = {}, []
    for n in names:
        m = CHECKPOINT.match(n)
        if m and m.group(3) == "parquet":
            parquet.setdefault(int(m.group(1)), []).append(n)
        elif m:
            jsons.append((int(m.group(1)), n))
    found = []      # (version, source, checkpoint (protocol, metaData))
    known = oracle.get(t.name, {})
    for v, files in sorted(parquet.items()):
        o = known.get(str(v))
        if o is None or sorted(o.get("files", [])) != files:
            notes.append("checkpoint %d (Parquet) not in checkpoint_oracle.json: not compared"
                         % v)
            continue
        found.append((v, "per DuckDB's reading", (o.get("protocol"), o.get("metaData"))))
    for v, n in jsons:
        cp = json_checkpoint(os.path.join(log, n))
        if cp is None:
            notes.append("checkpoint %s unreadable: not compared" % n)
            continue
        found.append((v, "per the checkpoint's JSON", cp))
    for v, source, cp in sorted(found, key=lambda f: f[0]):
        commits = replay_json(log, v)
        if commits is None:
            notes.append("checkpoint %d: JSON commits 0..%d not all present: not compared"
                         % (v, v))
            continue
        diff = differences(commits, cp)
        if diff:
            return ('expected "check": "ok", but its checkpoint at version %d differs from '
                    "the JSON commits (%s, %s); issue 4's DQ110 makes that an error"
                    % (v, ", ".join(diff), source)), notes
        missing = [a for a, x, y in (("protocol", commits[0], cp[0]),
                                     ("metaData", commits[1], cp[1]))
                   if not isinstance(x, dict) or not isinstance(y, dict)]
        notes.append("checkpoint %d agrees with the JSON commits%s" % (
            v, " (%s not compared: absent on one side)" % ", ".join(missing) if missing else ""))
    return None, notes


def has_dq110(out):
    try:
        return any(f["rule"] == "DQ110" and f["severity"] == "error"
                   for f in json.loads(out)["findings"])
    except (ValueError, KeyError, TypeError):
        return False


def check_table(t, q, oracle):
    failures = []
    want = t.expect.get("check")
    disputed, notes = dispute(t, oracle) if want == "ok" else (None, [])
    rc, out, err = run([q, "check", "-o", "json", t.path])
    if disputed:
        if rc != 1 or not has_dq110(out):
            failures.append("check: disputed expectation (see its DISPUTED line): expected "
                            "exit 1 with a DQ110 error, got exit %s: %s" % (rc, summary(out)))
    elif want == "error" and rc not in (1, 3, 4):
        failures.append("check: expected a defect (%s); got exit %s"
                        % (t.expect.get("check_reason", "?"), rc))
    elif want == "ok" and rc != 0:
        failures.append("check: expected ok; got exit %s: %s %s"
                        % (rc, summary(out), err.strip().replace("\n", " | ")[:300]))
    elif want not in ("ok", "error"):
        failures.append("expectation has no \"check\" field")
    if rc == 0 or rc == 1:
        try:
            json.loads(out)
        except ValueError:
            failures.append("check -o json: stdout is not JSON")
    drc, dout, derr = run([q, "check", "--deep", "-o", "json", t.path])
    if drc not in (0, 1, 3, 4):
        failures.append("check --deep: exit %s %s" % (drc, derr.strip()[:200]))
    elif drc in (0, 1):
        try:
            json.loads(dout)
        except ValueError:
            failures.append("check --deep -o json: stdout is not JSON")
    return t, rc, drc, failures, disputed, notes


def load_oracle(verbose):
    try:
        with open(ORACLE, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        if verbose:
            print("note: %s unreadable (%s): Parquet checkpoints not compared" % (ORACLE, e))
        return {}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="Run deltaq check over the shared corpus.")
    ap.add_argument("--deltaq", default=os.path.join(repo, "build", "deltaq"))
    ap.add_argument("--corpus", help="corpus directory (default: <repo>/../shared/corpus)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", metavar="SUBSTRING", help="only tables whose name contains it")
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 2))
    args = ap.parse_args()
    corpus = args.corpus or os.path.join(os.path.dirname(repo), "shared", "corpus")
    if not os.path.isdir(corpus):
        print("check corpus: skipped: %s not found" % (args.corpus or os.path.relpath(corpus)))
        return 0
    q = os.path.abspath(args.deltaq)
    tables, skipped = discover(corpus, args.k)
    oracle = load_oracle(args.verbose)
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        done = list(pool.map(lambda t: check_table(t, q, oracle), tables))
    passed = failed = 0
    flagged = ndisputed = 0
    for t, rc, drc, failures, disputed, notes in done:
        flagged += t.expect.get("check") == "error"
        if disputed:
            ndisputed += 1
            print("DISPUTED %s: %s" % (t.name, disputed))
        if args.verbose:
            for n in notes:
                print("note %s: %s" % (t.name, n))
        if failures:
            failed += 1
            for f in failures:
                print("FAIL %s: %s" % (t.name, f))
        else:
            passed += 1
            if args.verbose:
                print("ok   %s: check exit %s, --deep exit %s" % (t.name, rc, drc))
    for name, why in skipped:
        print("skip %s: %s" % (name, why))
    tail = ", %d skipped" % len(skipped) if skipped else ""
    print("check corpus: %d passed, %d failed%s (%d tables expected to be flagged)"
          % (passed, failed, tail, flagged))
    print("check corpus: %d disputed (expected ok, but a checkpoint contradicts DQ110)"
          % ndisputed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
