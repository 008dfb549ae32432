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

Standard library only.  Prints one line per failure (-v: per table), then
"check corpus: N passed, N failed"; exits 1 on failure, 0 with "skipped" when the
corpus is absent.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import discover  # noqa: E402

TIMEOUT = 60


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


def check_table(t, q):
    failures = []
    want = t.expect.get("check")
    rc, out, err = run([q, "check", "-o", "json", t.path])
    if want == "error" and rc not in (1, 3, 4):
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
    return t, rc, drc, failures


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
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        done = list(pool.map(lambda t: check_table(t, q), tables))
    passed = failed = 0
    flagged = 0
    for t, rc, drc, failures in done:
        flagged += t.expect.get("check") == "error"
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
