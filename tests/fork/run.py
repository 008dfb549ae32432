#!/usr/bin/env python3
"""Runs the fork-safety suite (tests/fork/README.md); `make forktest` calls it.

  run.py --build build --control build/forkctl    the full suite and the negative control
  run.py --build build/asan --sanitized           the C programs that suit a sanitizer

1. Audit: every public function of lib/deltaq.h with a dq_table or dq_snapshot parameter
   must be exercised by fork_api.c, so a new entry point cannot skip the fork check.
2. The C programs (fork_api, fork_busy, fork_recursive at depth 6) against --build.
3. The Python harness (ctypes over libdeltaq.so) with start methods fork, spawn and
   forkserver, recursive to depth 5.
4. With --control: the same programs (and tests/unit/test_pool.c's fork-while-busy test)
   built with -DDQ_NO_FORK_DETECTION must hang (their watchdog fires) or fail.  If the
   control passes, the tests cannot see the bug, and that is a failure.

Tables and expected answers: the fixtures `many` (30 commits, so a replay fans out over
the pool) and `example`, with answers from tests/fixtures/gen.py --facts, and `many` again
as a .tar.gz (the archive store); plus, when
../shared/corpus exists, a sample of two corpus tables that are replayed through a
checkpoint (the readable ones with the most JSON commits), with answers from their
<table>.expected.json.  Without the corpus that part is skipped with a message.

Every run has a timeout and its own process group, killed whole on expiry; the programs
also put each child under alarm().  Prints "ok - ..." / "not ok - ..." lines and exits 1
on any failure.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HEADER = os.path.join(REPO, "lib", "deltaq.h")
FIXTURES = ["many", "example"]
CORPUS_SAMPLE = 2


def rel(p):
    return os.path.relpath(p, REPO)


def fixture_tables():
    out = subprocess.run([sys.executable, os.path.join(REPO, "tests/fixtures/gen.py"), "--facts"],
                         check=True, capture_output=True, text=True).stdout
    facts = {f["name"]: f for f in json.loads(out)}
    tables = []
    for name in FIXTURES:
        f = facts[name]
        records = f["num_records"] if f.get("num_records_exact") else -1
        tables.append((rel(os.path.join(REPO, "tests/fixtures", name)),
                       (f["latest_version"], f["num_files"], f["size_bytes"], records)))
    return tables


def archived(table, expect, tmp):
    """The same table as a .tar.gz (the archive store), with the same answers."""
    path = os.path.join(tmp, os.path.basename(table) + ".tar.gz")
    with tarfile.open(path, "w:gz") as tf:
        tf.add(os.path.join(REPO, table), arcname=os.path.basename(table))
    return path, expect


def corpus_tables(corpus):
    """Readable corpus tables with a checkpoint, most JSON commits first."""
    found = []
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        if "_delta_log" in dirs:
            dirs[:] = []
        for f in sorted(files):
            if not f.endswith(".expected.json"):
                continue
            base = os.path.join(root, f[:-len(".expected.json")])
            table = next((t for t in (base, os.path.join(base, "delta"))
                          if os.path.isdir(os.path.join(t, "_delta_log"))), None)
            try:
                e = json.load(open(os.path.join(root, f), encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if (table is None or e.get("expect_error") or e.get("conflicts")
                    or e.get("reader_features") or e.get("may_refuse_files")
                    or e.get("check") == "error" or e.get("num_records") is None
                    or any(e.get(k) is None for k in ("version", "num_files", "size_bytes"))):
                continue
            log = os.listdir(os.path.join(table, "_delta_log"))
            if not any(".checkpoint." in n and n.endswith(".parquet") for n in log):
                continue
            commits = sum(1 for n in log if re.fullmatch(r"\d{20}\.json", n))
            found.append((-commits, table,
                          (e["version"], e["num_files"], e["size_bytes"], e["num_records"])))
    found.sort()
    return [(t, exp) for _, t, exp in found[:CORPUS_SAMPLE]]


def table_args(tables):
    args = []
    for t, exp in tables:
        args += [t, ",".join(str(x) for x in exp)]
    return args


def run(cmd, timeout, env=None):
    """(status, output, seconds): status is the exit code, or 'timeout'.  The command gets
    its own session, and the whole group is killed when the timeout expires."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True,
                         env=dict(os.environ, **env) if env else None)
    try:
        out, _ = p.communicate(timeout=timeout)
        status = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        status = "timeout"
    try:
        os.killpg(p.pid, signal.SIGKILL)  # anything the run left behind
    except ProcessLookupError:
        pass
    return status, out, time.monotonic() - t0


def audit():
    """Public functions taking a dq_table or dq_snapshot that fork_api.c does not name."""
    text = open(HEADER).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    api = open(os.path.join(HERE, "fork_api.c")).read()
    missing, n = [], 0
    for m in re.finditer(r"\b(dq_\w+)\s*\(([^;{]*?)\)\s*;", text):
        name, params = m.group(1), m.group(2)
        if not re.search(r"\bdq_(table|snapshot)\s*\*(?!\*)", params):
            continue
        n += 1
        if not re.search(r"\b%s\b" % name, api):
            missing.append(name)
    return n, missing


class Suite:
    def __init__(self):
        self.failed = 0

    def result(self, ok, what, output=""):
        print("%s - %s" % ("ok" if ok else "not ok", what))
        if not ok:
            self.failed += 1
            if output:
                sys.stdout.write("".join("    " + ln + "\n" for ln in output.splitlines()))
        sys.stdout.flush()

    def expect_pass(self, name, cmd, timeout, retry_hang=False):
        status, out, secs = run(cmd, timeout)
        if retry_hang and status != 0 and (status == "timeout" or "watchdog fired" in out):
            # See the --sanitized branch of main(): a hang there is the sanitizer's.
            print("# %s hung once under the sanitizer; run again:" % name)
            print("".join("#   " + ln + "\n" for ln in out.splitlines() if "hung" in ln), end="")
            status, out, secs = run(cmd, timeout)
        ok = status == 0
        why = "" if ok else (" (timed out after %ds)" % timeout if status == "timeout"
                             else " (exit %s)" % status)
        # The programs print their own "ok - ..." lines; show them indented.
        self.result(ok, "%s [%.1fs]%s" % (name, secs, why), out if not ok else "")
        if ok:
            for ln in out.splitlines():
                print("    " + ln)

    def expect_misbehave(self, name, cmd, timeout, env=None):
        """The control build must fail the way the bug fails: a hang (a watchdog fired,
        or the timeout), or a call on an inherited handle that was not refused."""
        status, out, secs = run(cmd, timeout, env)
        hung = status == "timeout" or "watchdog fired" in out or "BrokenProcessPool" in out
        refused_not = "on an inherited handle" in out or "inherited handle: WRONG" in out
        ok = status != 0 and (hung or refused_not)
        how = "hung (watchdog)" if hung else "failed (exit %s)" % status
        self.result(ok, "control build misbehaves: %s %s [%.1fs]" % (name, how, secs),
                    "" if ok else out + "\nthe control build did not show the bug: this "
                    "test cannot see what it is meant to catch")


def main():
    ap = argparse.ArgumentParser(description="Run the fork-safety suite.")
    ap.add_argument("--build", default="build", help="build directory (programs in DIR/fork)")
    ap.add_argument("--control", help="build directory of the -DDQ_NO_FORK_DETECTION build")
    ap.add_argument("--sanitized", action="store_true",
                    help="sanitizer build: C programs only, pools idle at fork time")
    ap.add_argument("--corpus", help="corpus directory (default: <repo>/../shared/corpus)")
    a = ap.parse_args()
    s = Suite()

    n, missing = audit()
    s.result(not missing, "audit: %d public functions take a dq_table or dq_snapshot; "
             "fork_api.c exercises %s" % (n, "all" if not missing else
                                          "all but " + ", ".join(missing)),
             "" if not missing else "add each to fork_api.c: to refused[] if it takes a "
             "dq_table, to describe() if it only reads a built snapshot")

    tables = fixture_tables()
    tmp = tempfile.TemporaryDirectory(prefix="deltaq-forktest-")
    tables.append(archived(*tables[0], tmp.name))
    corpus = a.corpus or os.path.join(os.path.dirname(REPO), "shared", "corpus")
    if os.path.isdir(corpus):
        sample = corpus_tables(corpus)
        tables += sample
        print("# corpus sample (checkpoint replay): %s" % ", ".join(rel(t) for t, _ in sample))
    else:
        print("# skipped: corpus tables (%s not found); fixtures only" % rel(corpus))
    targs = table_args(tables)
    many = table_args(tables[:1])
    prog = lambda build, p: [os.path.join(build, "fork", p)]

    if a.sanitized:
        # The sanitizer's allocator is not fork-safe while other threads allocate (gcc 12),
        # so the pools are idle at fork time here; fork_busy and Python are left out.  Even
        # so a child hangs now and then (4 of 80 runs of this suite, on code from before
        # and after this was written, always in the sanitizer build): a hang here is run
        # once more.  The unsanitized run (make forktest) holds every hang to account.
        s.expect_pass("fork_api", prog(a.build, "fork_api") + targs, 300, retry_hang=True)
        s.expect_pass("fork_recursive -i", prog(a.build, "fork_recursive") + ["-i"] + targs,
                      300, retry_hang=True)
        return 1 if s.failed else 0

    s.expect_pass("fork_api", prog(a.build, "fork_api") + targs, 120)
    s.expect_pass("fork_busy", prog(a.build, "fork_busy") + targs, 180)
    s.expect_pass("fork_recursive", prog(a.build, "fork_recursive") + ["-d", "6"] + targs, 180)
    lib = os.path.join(a.build, "libdeltaq.so")
    for method in ("fork", "spawn", "forkserver"):
        s.expect_pass("python %s" % method,
                      [sys.executable, os.path.join(HERE, "harness.py"), "--lib", lib,
                       "--header", HEADER, "--method", method, "--depth", "5",
                       "--table", tables[0][0], "--expect", many[1]], 180)

    if a.control:
        # Short watchdogs: here a hang is the expected outcome.
        c = a.control
        s.expect_misbehave("fork_api", prog(c, "fork_api") + ["-w", "2"] + many, 60)
        s.expect_misbehave("fork_busy", prog(c, "fork_busy") + ["-w", "2", "-n", "4"] + many,
                           60)
        s.expect_misbehave("fork_recursive",
                           prog(c, "fork_recursive") + ["-d", "2", "-w", "2"] + many, 60)
        # tests/unit/test_pool.c's fork-while-busy test, built on the control pool.c.
        s.expect_misbehave("test_pool (fork while busy)", [os.path.join(c, "tests", "test_pool")],
                           60, {"TEST_POOL_ONLY": "while busy", "TEST_POOL_FORK_ITERS": "3"})
        s.expect_misbehave("python fork",
                           [sys.executable, os.path.join(HERE, "harness.py"), "--lib",
                            os.path.join(c, "libdeltaq.so"), "--header", HEADER,
                            "--method", "fork", "--depth", "1", "--watchdog", "3",
                            "--table", tables[0][0], "--expect", many[1]], 60)

    print("forktest: %s" % ("all passed" if not s.failed else "%d failed" % s.failed))
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
