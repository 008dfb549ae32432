#!/usr/bin/env python3
"""Corpus conformance test: run deltaq over every table of ../shared/corpus.

Every `<name>.expected.json` in the corpus describes one table; the table directory is
`<name>/` itself, or the single subdirectory of `<name>/` that holds a `_delta_log/` (DAT and
kernel-workload tables keep theirs in `<name>/delta/`).  How to read an expectation is
explained in the corpus's MANIFEST.md; what this script checks is in README.md beside it.
No table is special-cased by name: the rules come from the expectation and from the table's
own `_delta_log/` listing.

Standard library only.  Prints one line per failure, with -v one line per table, then the
deferred count and "corpus: N passed, N failed" (", N skipped" if any); exits 1 on failure.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

TIMEOUT = 30            # seconds per deltaq invocation
FIRST_COMMIT = "00000000000000000000.json"
SUFFIX = ".expected.json"
# An expect_error reason of this kind prefers exit 4 (protocol/feature not honoured).
FEATURE_REASON = re.compile(r"unsupported|not supported|reader version|feature", re.I)
FILE_FIELDS = ("num_files", "size_bytes", "num_records")


class Run:
    """Result of one deltaq invocation."""

    def __init__(self, argv, rc, out, err, timed_out=False):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.timed_out = timed_out

    def crashed(self):
        return self.timed_out or self.rc < 0 or self.rc > 4

    def describe(self):
        if self.timed_out:
            return "timed out after %ds" % TIMEOUT
        if self.rc < 0:
            return "killed by signal %d" % -self.rc
        return "exit %d" % self.rc

    def stderr_tail(self):
        s = self.err.strip().replace("\n", " | ")
        return s[:300] + ("..." if len(s) > 300 else "")


class Table:
    """One table's expectation, checks and outcome."""

    def __init__(self, name, path, expect):
        self.name, self.path, self.expect = name, path, expect
        self.failures = []      # (field, expected, got, extra)
        self.notes = []
        self.checkpoints_compared = 0
        self.kind = "normal"

    def fail(self, field, expected, got, extra=""):
        self.failures.append((field, expected, got, extra))

    def note(self, text):
        self.notes.append(text)


def deltaq(binary, *args):
    argv = [binary] + list(args)
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return Run(argv, None, e.stdout or b"", e.stderr or b"", timed_out=True)
    return Run(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"))


def find_table_dir(base):
    """The table for `<base>.expected.json`: base itself, or its one child with a _delta_log."""
    if os.path.isdir(os.path.join(base, "_delta_log")):
        return base
    if not os.path.isdir(base):
        return None
    kids = [os.path.join(base, k) for k in sorted(os.listdir(base))]
    kids = [k for k in kids if os.path.isdir(os.path.join(k, "_delta_log"))]
    if len(kids) == 1:
        return kids[0]
    return base     # no log anywhere: deltaq must say it is not a Delta table


def run_ok(t, r, what):
    """True when r exited 0; records a failure otherwise."""
    if r.rc == 0 and not r.timed_out:
        return True
    t.fail(what, "exit 0", r.describe(), "stderr: " + r.stderr_tail())
    return False


def expect_refusal(t, r, what, codes, want_word=None):
    """r must exit with one of codes, print nothing on stdout, say something on stderr."""
    if r.crashed() or r.rc not in codes:
        t.fail(what + " exit", "exit " + "/".join(map(str, codes)), r.describe(),
               "stderr: " + r.stderr_tail())
        return False
    ok = True
    if r.out:
        t.fail(what + " stdout", "empty", repr(r.out[:120]))
        ok = False
    if not r.err.strip():
        t.fail(what + " stderr", "a message", "nothing")
        ok = False
    elif want_word and want_word not in r.err.lower():
        t.fail(what + " stderr", "mentions '%s'" % want_word, r.stderr_tail())
        ok = False
    return ok


def check_version_cmd(t, q):
    want = t.expect.get("version")
    if want is None:
        return
    r = deltaq(q, "version", t.path)
    if not run_ok(t, r, "version"):
        return
    got = r.out.strip()
    if got != str(want):
        t.fail("version", want, got)


def as_set(v):
    return set(v or [])


def compare_info(t, info, file_fields=True):
    """Compare `info -o json` output with the expectation (nulls in it are not compared)."""
    e = t.expect
    fields = ["version", "min_reader_version", "min_writer_version"]
    if file_fields:
        fields += ["num_files", "size_bytes"]
    for f in fields:
        if e.get(f) is not None and info.get(f) != e[f]:
            t.fail("info." + f, e[f], info.get(f))
    if file_fields and e.get("num_records") is not None:
        # An exact count must equal the expectation.  A count deltaq flags as not exact
        # (some active file has no stats in the log) is the sum over the files that have
        # stats: a lower bound of the true count, which is all the log can tell.  Some
        # expectations take their count from the source project's tests, which read the
        # data files; those are compared as bounds, never special-cased by name.
        got, exact = info.get("num_records"), info.get("num_records_exact")
        if exact is True and got != e["num_records"]:
            t.fail("info.num_records", e["num_records"], got)
        elif exact is False and not (isinstance(got, int) and got <= e["num_records"]):
            t.fail("info.num_records (partial count, must not exceed)", e["num_records"], got)
        elif exact not in (True, False):
            t.fail("info.num_records_exact", "true or false", exact)
    for f in ("reader_features", "writer_features"):
        if f in e and as_set(e[f]) != as_set(info.get(f)):
            t.fail("info." + f, sorted(as_set(e[f])), sorted(as_set(info.get(f))))
    if "partition_columns" in e and list(e["partition_columns"] or []) != \
            list(info.get("partition_columns") or []):
        t.fail("info.partition_columns", e["partition_columns"] or [],
               info.get("partition_columns"))


def get_info(t, q):
    r = deltaq(q, "info", "-o", "json", t.path)
    if not run_ok(t, r, "info"):
        return None
    try:
        return json.loads(r.out)
    except ValueError as ex:
        t.fail("info", "a JSON document", "unparsable (%s)" % ex)
        return None


def check_files(t, q):
    e = t.expect
    r = deltaq(q, "files", "-o", "ndjson", t.path)
    if not run_ok(t, r, "files"):
        return
    lines = [l for l in r.out.split("\n") if l.strip()]
    total = 0
    for i, l in enumerate(lines):
        try:
            total += int(json.loads(l)["size"])
        except (ValueError, KeyError, TypeError) as ex:
            t.fail("files", "ndjson rows with a size", "line %d: %s" % (i + 1, ex))
            return
    if e.get("num_files") is not None and len(lines) != e["num_files"]:
        t.fail("files.count", e["num_files"], len(lines))
    if e.get("size_bytes") is not None and total != e["size_bytes"]:
        t.fail("files.sum(size)", e["size_bytes"], total)


def metadata_only(info):
    """info's view of a table whose files it will not list (protocol.md 8.3)."""
    return all(info.get(f) is None for f in FILE_FIELDS) \
        and bool(info.get("unsupported_reader_features"))


def check_error(t, q):
    t.kind = "expect_error"
    reason = t.expect["expect_error"]
    prefer = 4 if FEATURE_REASON.search(str(reason)) else 3
    r = deltaq(q, "files", "-o", "json", t.path)
    if expect_refusal(t, r, "files", (3, 4)):
        if r.rc != prefer:
            t.note("files exited %d, %d fits the reason better (%s)" % (r.rc, prefer, reason))
        else:
            t.note("files refused with exit %d" % r.rc)
    # info may refuse too, or show protocol and metadata without file fields.
    r = deltaq(q, "info", "-o", "json", t.path)
    if r.rc == 0 and not r.timed_out:
        try:
            info = json.loads(r.out)
        except ValueError:
            info = {}
        if metadata_only(info):
            t.note("info shows metadata only (unsupported: %s)"
                   % ",".join(info["unsupported_reader_features"]))
            return
        t.fail("info", "a refusal (exit 3/4) or null file fields with "
               "unsupported_reader_features", "exit 0 with num_files %s"
               % fmt(info.get("num_files")))
    elif expect_refusal(t, r, "info", (3, 4)):
        t.note("info refused with exit %d" % r.rc)


def check_may_refuse(t, q):
    t.kind = "may_refuse_files"
    check_version_cmd(t, q)
    info = get_info(t, q)
    if info is None:
        return
    if all(info.get(f) is None for f in FILE_FIELDS):
        compare_info(t, info, file_fields=False)
        if not info.get("unsupported_reader_features"):
            t.fail("info.unsupported_reader_features", "non-empty",
                   info.get("unsupported_reader_features"))
        r = deltaq(q, "files", "-o", "ndjson", t.path)
        expect_refusal(t, r, "files", (4,))
        t.note("refused files (unsupported: %s)"
               % ",".join(info.get("unsupported_reader_features") or []))
    else:
        compare_info(t, info)
        check_files(t, q)


def check_normal(t, q):
    check_version_cmd(t, q)
    info = get_info(t, q)
    if info is not None:
        compare_info(t, info)
    check_files(t, q)
    check_checkpoints(t, q)


CKPT = re.compile(r"^(\d{20})\.checkpoint(?:\.(\d{10})\.(\d{10}))?(?:\.[0-9a-fA-F-]{36})?\.(parquet|json)$")


def complete_checkpoints(path):
    """Versions with a complete checkpoint, from the listing alone (protocol.md 1.4)."""
    log = os.path.join(path, "_delta_log")
    parts = {}
    versions = set()
    for name in os.listdir(log):
        m = CKPT.match(name)
        if not m or os.path.getsize(os.path.join(log, name)) == 0:
            continue
        v = int(m.group(1))
        if m.group(2):
            parts.setdefault((v, int(m.group(3))), set()).add(int(m.group(2)))
        else:
            versions.add(v)
    for (v, n), got in parts.items():
        if got == set(range(1, n + 1)):
            versions.add(v)
    return sorted(versions)


def file_set(out):
    return sorted((f["path"], f["size"], f.get("dv_cardinality"),
                   json.dumps(f["partition_values"], sort_keys=True)) for f in json.loads(out))


def check_checkpoints(t, q):
    """Checkpoint replay equals JSON replay at every checkpoint version where both exist."""
    log = os.path.join(t.path, "_delta_log")
    if not os.path.isdir(log) or FIRST_COMMIT not in os.listdir(log):
        return
    for v in complete_checkpoints(t.path):
        a = deltaq(q, "files", "-o", "json", "--at", str(v), t.path)
        b = deltaq(q, "files", "-o", "json", "--at", str(v), "--no-checkpoint", t.path)
        if a.rc != 0 or b.rc != 0:
            if a.rc != b.rc:
                t.fail("files --at %d (checkpoint vs JSON replay exit)" % v, b.rc, a.rc,
                       a.err.strip())
            continue
        t.checkpoints_compared += 1
        if file_set(a.out) != file_set(b.out):
            t.fail("files --at %d from the checkpoint" % v, "the JSON replay's files",
                   "a different set")


def check_table(t, q):
    if "expect_error" in t.expect:
        check_error(t, q)
    elif t.expect.get("may_refuse_files"):
        check_may_refuse(t, q)
    else:
        check_normal(t, q)
    return t


def discover(corpus, substring):
    """(tables, skipped): every expectation file under corpus, sorted by name."""
    tables, skipped = [], []
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        if "_delta_log" in dirs:
            dirs[:] = []    # inside a table: no expectations down here
        for f in sorted(files):
            if not f.endswith(SUFFIX):
                continue
            jpath = os.path.join(root, f)
            base = jpath[:-len(SUFFIX)]
            name = os.path.relpath(base, corpus)
            if substring and substring not in name:
                continue
            try:
                with open(jpath, encoding="utf-8") as fh:
                    expect = json.load(fh)
            except (OSError, ValueError) as ex:
                skipped.append((name, "cannot read %s: %s" % (f, ex)))
                continue
            path = find_table_dir(base)
            if path is None:
                skipped.append((name, "no table directory beside %s" % f))
                continue
            tables.append(Table(name, path, expect))
    tables.sort(key=lambda t: t.name)
    return tables, skipped


def fmt(v):
    return json.dumps(v) if not isinstance(v, str) else v


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="Run deltaq over the shared Delta table corpus.")
    ap.add_argument("--deltaq", default=os.path.join(repo, "build", "deltaq"),
                    help="deltaq binary (default: <repo>/build/deltaq)")
    ap.add_argument("--corpus", help="corpus directory (default: <repo>/../shared/corpus)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per table")
    ap.add_argument("-k", metavar="SUBSTRING", help="only tables whose name contains it")
    ap.add_argument("-j", "--jobs", type=int, default=min(4, os.cpu_count() or 2),
                    help="tables checked in parallel (default: min(4, CPUs))")
    args = ap.parse_args()

    corpus = args.corpus or os.path.join(os.path.dirname(repo), "shared", "corpus")
    if not os.path.isdir(corpus):
        shown = args.corpus or os.path.relpath(corpus)
        print("skipped: %s not found" % shown)
        return 0
    q = os.path.abspath(args.deltaq)
    if not os.access(q, os.X_OK):
        print("corpus.py: deltaq binary '%s' not found or not executable" % args.deltaq,
              file=sys.stderr)
        return 2

    tables, skipped = discover(corpus, args.k)
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        done = list(pool.map(lambda t: check_table(t, q), tables))

    passed = failed = 0
    for t in done:
        if t.failures:
            failed += 1
        else:
            passed += 1
        if args.verbose:
            status = "FAIL" if t.failures else "ok"
            extra = ("; " + "; ".join(t.notes)) if t.notes else ""
            print("%-4s %s [%s]%s" % (status, t.name, t.kind, extra))
        elif t.notes and not t.failures and t.kind == "expect_error" \
                and any("fits the reason better" in n for n in t.notes):
            print("note %s: %s" % (t.name, "; ".join(t.notes)))
        for field, want, got, extra in t.failures:
            line = "FAIL %s: %s: expected %s, got %s" % (t.name, field, fmt(want), fmt(got))
            print(line + (" " + extra if extra else ""))
    for name, why in skipped:
        print("skip %s: %s" % (name, why))

    compared = sum(t.checkpoints_compared for t in done)
    print("checkpoints compared with JSON replay: %d" % compared)
    tail = ", %d skipped" % len(skipped) if skipped else ""
    print("corpus: %d passed, %d failed%s" % (passed, failed, tail))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
