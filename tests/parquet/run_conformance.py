#!/usr/bin/env python3
"""Parquet reader conformance: compare `deltaq parquet` with DuckDB's view of each file.

Two sets of files:
  - every input listed in tests/parquet/expected/INDEX.json, read from
    ../shared/parquet-testing/data (skipped with a message when that folder is absent);
  - every fixture listed in tests/fixtures/parquet/MANIFEST.json.
For each file, `deltaq parquet [--rows N] -o ndjson FILE` must print the expected rows
(N = rows stored in the expectation), or refuse with the expected exit code and nothing on
stdout; and `deltaq parquet -o json FILE` must report the footer facts of <file>.meta.json.
How values are compared (and why) is in tests/parquet/README.md.

Standard library only; no Node at test time.  Prints one line per failure (with -v one
line per file), then exactly "parquet: N passed, N failed"; exits 1 on any failure.
If deltaq has no `parquet` command yet, prints "skipped: deltaq parquet not available"
and exits 0.
"""

import argparse
import concurrent.futures
import json
import re
import math
import os
import subprocess
import sys
from decimal import Decimal, InvalidOperation

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPECTED = os.path.join(HERE, "expected")
FIXTURES = os.path.join(REPO, "tests", "fixtures", "parquet")
DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "parquet-testing", "data")

TIMEOUT = 60            # seconds per deltaq invocation
REL_TOL = Decimal("1e-6")
NONFINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
# Optional per-chunk facts: compared only when deltaq prints them under these names.
CHUNK_OPTIONAL = ("num_values", "total_compressed_size", "total_uncompressed_size")


# ---- JSON values and their comparison ---------------------------------------------------

class Obj(list):
    """A JSON object as its list of (name, value) pairs, duplicates kept."""


def parse(line):
    return json.loads(line, parse_float=Decimal, object_pairs_hook=Obj,
                      parse_constant=lambda c: NONFINITE[c])


def show(v, limit=80):
    if isinstance(v, Obj):
        s = "{" + ",".join("%s:%s" % (json.dumps(k), show(x, limit)) for k, x in v) + "}"
    elif isinstance(v, list):
        s = "[" + ",".join(show(x, limit) for x in v) + "]"
    elif isinstance(v, float):
        s = "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    elif isinstance(v, Decimal):
        s = str(v)
    else:
        s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def is_num(v):
    return isinstance(v, (int, Decimal, float)) and not isinstance(v, bool)


def num_equal(e, a):
    """e expected, a actual; ints, Decimals (JSON numbers with a fraction or exponent) or
    floats (only NaN and the infinities)."""
    if isinstance(e, float) or isinstance(a, float):
        if isinstance(e, float) and isinstance(a, float):
            return (math.isnan(e) and math.isnan(a)) or e == a
        return False
    if isinstance(e, int):
        # An integer column: exact, though 5.0 for 5 is tolerated.
        try:
            return Decimal(a) == e
        except InvalidOperation:
            return False
    de, da = Decimal(e), Decimal(a)
    if de == da:
        return True
    return abs(de - da) <= REL_TOL * max(abs(de), abs(da))


# DuckDB keeps timestamps as 64-bit microseconds since 1970, so it cannot show years
# beyond +-294247; it prints an overflowed value ending in "(BC)" instead (seen for INT96
# in int96_from_spark.parquet).  The issue leaves INT96 to our own documented rendering, so
# such an expected value says nothing and is not compared.
DUCKDB_OVERFLOW = re.compile(r"^\d{5,}-\d\d-\d\d \(BC\)")


def compare(e, a, path="$"):
    """None when equal after normalisation, else a message naming the first difference."""
    if isinstance(e, str) and DUCKDB_OVERFLOW.match(e) and isinstance(a, str):
        return None
    if isinstance(e, float) and isinstance(a, str) and a in NONFINITE:
        a = NONFINITE[a]
    if isinstance(e, bool) or isinstance(a, bool):
        if type(e) is bool and type(a) is bool and e == a:
            return None
        return "%s: expected %s, got %s" % (path, show(e), show(a))
    if is_num(e) and is_num(a):
        return None if num_equal(e, a) else "%s: expected %s, got %s" % (path, show(e), show(a))
    if isinstance(e, Obj) and isinstance(a, Obj):
        ek = sorted(k for k, _ in e)
        ak = sorted(k for k, _ in a)
        if ek != ak:
            missing = sorted(set(ek) - set(ak))
            extra = sorted(set(ak) - set(ek))
            what = []
            if missing:
                what.append("missing %s" % ", ".join(json.dumps(k) for k in missing[:5]))
            if extra:
                what.append("unexpected %s" % ", ".join(json.dumps(k) for k in extra[:5]))
            if not what:
                what.append("duplicate names differ")
            return "%s: %s" % (path, "; ".join(what))
        av = {}
        for k, v in a:
            av.setdefault(k, []).append(v)
        seen = {}
        for k, v in e:
            i = seen.get(k, 0)
            seen[k] = i + 1
            sub = "%s.%s" % (path, k) if k.isidentifier() else "%s[%s]" % (path, json.dumps(k))
            msg = compare(v, av[k][i], sub)
            if msg:
                return msg
        return None
    if isinstance(e, list) and isinstance(a, list) and not isinstance(e, Obj) \
            and not isinstance(a, Obj):
        if len(e) != len(a):
            return "%s: expected %d elements, got %d: %s" % (path, len(e), len(a), show(a))
        for i, (x, y) in enumerate(zip(e, a)):
            msg = compare(x, y, "%s[%d]" % (path, i))
            if msg:
                return msg
        return None
    if type(e) is type(a) and e == a:
        return None
    return "%s: expected %s, got %s" % (path, show(e), show(a))


# ---- running deltaq ----------------------------------------------------------------------

class Run:
    def __init__(self, rc, out, err, timed_out=False):
        self.rc, self.out, self.err, self.timed_out = rc, out, err, timed_out

    def describe(self):
        if self.timed_out:
            return "timed out after %ds" % TIMEOUT
        if self.rc < 0:
            return "killed by signal %d" % -self.rc
        tail = self.err.decode("utf-8", "replace").strip().replace("\n", " | ")
        return "exit %d%s" % (self.rc, (": " + tail[:200]) if tail else "")


def run(deltaq, args):
    try:
        p = subprocess.run([deltaq] + args, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=TIMEOUT)
        return Run(p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired as e:
        return Run(-1, e.stdout or b"", e.stderr or b"", timed_out=True)


# ---- one file ------------------------------------------------------------------------------

class Case:
    """One Parquet file: where it is, what to expect, and what went wrong."""

    def __init__(self, name, path, ent, base):
        self.name, self.path, self.ent, self.base = name, path, ent, base
        self.failures = []
        self.notes = []

    def fail(self, what, msg):
        self.failures.append("%s %s: %s" % (self.name, what, msg))

    def load(self, rel):
        with open(os.path.join(self.base, rel), encoding="utf-8") as f:
            return f.read()

    def refused(self, r, codes):
        return r.rc in codes and not r.timed_out and r.out == b""

    def check_rows(self, deltaq):
        ent = self.ent
        oracle = ent.get("oracle")
        if oracle == "none":
            self.notes.append("rows not compared: " + ent.get("why", ""))
            return
        if oracle == "error":
            code = ent.get("exit", 3)
            r = run(deltaq, ["parquet", "-o", "ndjson", self.path])
            if r.rc == code and r.out == b"" and not r.timed_out:
                if not r.err.strip():
                    self.fail("rows", "exit %d but no message on stderr" % code)
                return
            got = r.describe()
            if r.rc == code:
                got += " with %d bytes on stdout" % len(r.out)
            self.fail("rows", "expected exit %d and empty stdout (%s), got %s"
                      % (code, ent.get("why", "")[:80], got))
            return
        n = ent.get("stored_rows") or 0
        args = ["parquet"] + (["--rows", str(n)] if n else []) + ["-o", "ndjson", self.path]
        r = run(deltaq, args)
        if ent.get("allow_error") and self.refused(r, (3,)):
            self.notes.append("refused (allowed: %s)" % ent["allow_error"])
            return
        if r.rc != 0 or r.timed_out:
            self.fail("rows", r.describe())
            return
        want = self.load(ent["rows"]).splitlines() if ent.get("rows") else []
        try:
            got = r.out.decode("utf-8").splitlines()
        except UnicodeDecodeError as e:
            self.fail("rows", "stdout is not UTF-8 (%s)" % e)
            return
        if len(got) != len(want):
            self.fail("rows", "expected %d lines, got %d" % (len(want), len(got)))
        for i, (w, g) in enumerate(zip(want, got), 1):
            try:
                gv = parse(g)
            except ValueError as e:
                self.fail("rows", "line %d is not JSON (%s): %s" % (i, e, g[:120]))
                return
            msg = compare(parse(w), gv)
            if msg:
                self.fail("rows", "line %d %s" % (i, msg))
                return
        pairs = ent.get("equal_columns")
        if pairs and len(got) == len(want):
            for i, g in enumerate(got, 1):
                row = dict(parse(g))
                for x, y in pairs:
                    msg = compare(row.get(x), row.get(y), "$.%s" % y)
                    if msg:
                        self.fail("rows", "line %d: %s must equal %s: %s" % (i, y, x, msg))
                        return

    def check_footer(self, deltaq):
        meta = json.loads(self.load(self.ent["meta"]))
        r = run(deltaq, ["parquet", "-o", "json", self.path])
        if "error" in meta:
            if not self.refused(r, (3,)):
                self.fail("footer", "expected exit 3 and empty stdout (%s), got %s"
                          % (meta["error"][:80], r.describe()))
            return
        if self.ent.get("oracle") == "error" and self.refused(r, (3,)):
            self.notes.append("footer refused as unsupported")
            return
        if r.rc != 0 or r.timed_out:
            self.fail("footer", r.describe())
            return
        try:
            doc = json.loads(r.out)
        except ValueError as e:
            self.fail("footer", "stdout is not JSON (%s)" % e)
            return
        if not isinstance(doc, dict):
            self.fail("footer", "stdout is not a JSON object")
            return
        for msg in footer_diffs(meta, doc):
            self.fail("footer", msg)

    def check(self, deltaq):
        if not os.path.isfile(self.path):
            self.fail("input", "%s not found" % self.path)
            return self
        self.check_rows(deltaq)
        self.check_footer(deltaq)
        return self


def footer_diffs(meta, doc):
    """Differences between the expected footer facts and deltaq's -o json document."""
    out = []
    if meta.get("num_rows") is not None and doc.get("num_rows") != meta["num_rows"]:
        out.append("num_rows: expected %s, got %s" % (meta["num_rows"], show(doc.get("num_rows"))))
    if meta.get("created_by") is not None and "created_by" in doc \
            and doc["created_by"] != meta["created_by"]:
        out.append("created_by: expected %s, got %s"
                   % (json.dumps(meta["created_by"]), show(doc["created_by"])))
    rgs = doc.get("row_groups")
    if not isinstance(rgs, list):
        return out + ["row_groups: missing or not an array"]
    want_rgs = meta.get("row_groups") or []
    if len(rgs) != meta.get("num_row_groups", len(want_rgs)):
        return out + ["row_groups: expected %s, got %d" % (meta.get("num_row_groups"), len(rgs))]
    for g, (w, d) in enumerate(zip(want_rgs, rgs)):
        if not isinstance(d, dict):
            out.append("row_groups[%d]: not an object" % g)
            break
        if w.get("num_rows") is not None and d.get("num_rows") != w["num_rows"]:
            out.append("row_groups[%d].num_rows: expected %s, got %s"
                       % (g, w["num_rows"], show(d.get("num_rows"))))
        cols = d.get("columns")
        if not isinstance(cols, list) or len(cols) != len(w["columns"]):
            out.append("row_groups[%d].columns: expected %d, got %s"
                       % (g, len(w["columns"]), len(cols) if isinstance(cols, list) else show(cols)))
            break
        for j, (wc, dc) in enumerate(zip(w["columns"], cols)):
            where = "row_groups[%d].columns[%d]" % (g, j)
            if not isinstance(dc, dict):
                out.append("%s: not an object" % where)
                break
            for key in ("path", "type", "codec") + CHUNK_OPTIONAL:
                if wc.get(key) is None or (key in CHUNK_OPTIONAL and key not in dc):
                    continue
                if dc.get(key) != wc[key]:
                    out.append("%s.%s: expected %s, got %s"
                               % (where, key, json.dumps(wc[key]), show(dc.get(key))))
            if "encodings" in dc and wc.get("encodings") and isinstance(dc["encodings"], list) \
                    and set(dc["encodings"]) != set(wc["encodings"]):
                out.append("%s.encodings: expected %s, got %s"
                           % (where, sorted(set(wc["encodings"])), show(dc["encodings"])))
            if len(out) > 5:
                return out
    schema = doc.get("schema")
    if not isinstance(schema, list):
        return out + ["schema: missing or not an array"]
    paths = [e.get("path") for e in schema if isinstance(e, dict)]
    it = iter(paths)
    missing = [p for p in meta.get("leaf_paths", []) if p not in it]
    if missing:
        out.append("schema: leaf paths missing or out of order: %s"
                   % ", ".join(missing[:5]))
    return out


# ---- the two sets of files -----------------------------------------------------------------

def parquet_testing_cases(data):
    index = json.load(open(os.path.join(EXPECTED, "INDEX.json"), encoding="utf-8"))
    return [Case("parquet-testing/" + rel, os.path.join(data, rel), ent, EXPECTED)
            for rel, ent in sorted(index["files"].items())]


def fixture_cases():
    man = json.load(open(os.path.join(FIXTURES, "MANIFEST.json"), encoding="utf-8"))
    return [Case("fixtures/" + name, os.path.join(FIXTURES, name), ent, FIXTURES)
            for name, ent in sorted(man["fixtures"].items())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deltaq", default=os.environ.get("DELTAQ")
                    or os.path.join(REPO, "build", "deltaq"),
                    help="binary under test (default: $DELTAQ, else build/deltaq)")
    ap.add_argument("--data", default=DEFAULT_DATA,
                    help="parquet-testing data folder (default: ../shared/parquet-testing/data)")
    ap.add_argument("-v", action="store_true", help="one line per file")
    ap.add_argument("-k", default="", help="only files whose name contains this")
    ap.add_argument("-j", type=int, default=min(4, os.cpu_count() or 1), help="parallel files")
    opt = ap.parse_args()

    if not os.access(opt.deltaq, os.X_OK):
        print("parquet: %s is not an executable" % opt.deltaq, file=sys.stderr)
        return 2
    cases = fixture_cases()
    probe = run(opt.deltaq, ["parquet", "-o", "json", cases[0].path])
    if probe.rc == 2 and b"not a deltaq command" in probe.err:
        print("skipped: deltaq parquet not available")
        return 0
    if os.path.isdir(opt.data):
        pt = parquet_testing_cases(opt.data)
        if opt.v:
            known = {c.path for c in pt}
            index = json.load(open(os.path.join(EXPECTED, "INDEX.json"), encoding="utf-8"))
            known |= {os.path.join(opt.data, c) for c in index.get("companions", {})}
            for root, _, names in os.walk(opt.data):
                for n in sorted(names):
                    p = os.path.join(root, n)
                    if p not in known:
                        print("note: %s is not in INDEX.json (run gen_expected.mjs)"
                              % os.path.relpath(p, opt.data))
        cases = pt + cases
    else:
        print("skipped: %s not found (parquet-testing files)" % opt.data)
    cases = [c for c in cases if opt.k in c.name]

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opt.j)) as ex:
        done = list(ex.map(lambda c: c.check(opt.deltaq), cases))
    passed = failed = 0
    for c in done:
        if c.failures:
            failed += 1
            for f in c.failures:
                print("FAIL " + f)
        else:
            passed += 1
            if opt.v:
                print("ok   %s%s" % (c.name, (" (" + "; ".join(c.notes) + ")") if c.notes else ""))
    print("parquet: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
