#!/usr/bin/env python3
"""Archive conformance: a table packed into an archive answers like its folder.

Packs every table of tests/fixtures and a sample of ../shared/corpus (SAMPLE below: every
checkpoint kind, deletion vectors, column mapping, escaped paths, cleaned-up logs, broken
tables) into tar, tar.gz, tar.xz, tar.zst and zip, runs each command with -o json on the
folder and on each archive, and compares exit status, stdout and stderr.  Each table is
copied first with whole-second file times (see settle_times).  Allowed to differ:
the location (the folder's path against ARCHIVE#inside), and timestamps, compared after
rounding down to the format's precision (1 s in tar, 2 s in zip).  Without the corpus its
sample is skipped with a message.

Standard library only (plus the tar, zstd, xz and zip programs).  Prints one line per
difference, then "archive: N passed, N failed"; exits 1 on any failure.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
TIMEOUT = 60
BASE = 1704067200  # 2024-01-01T00:00:00Z, set-mtimes.sh's default

# Corpus tables packed (paths under ../shared/corpus).  Chosen for coverage, not by outcome.
SAMPLE = [
    "delta-golden/basic-with-inserts-deletes-checkpoint",      # classic checkpoint
    "delta-golden/corrupted-last-checkpoint-kernel",           # _last_checkpoint fallback
    "delta-golden/deltalog-state-reconstruction-from-checkpoint-missing-protocol",
    "delta-golden/dv-partitioned-with-checkpoint",             # deletion vectors
    "delta-golden/dv-with-columnmapping",                      # DVs + column mapping
    "delta-golden/multi-part-checkpoint",                      # multi-part
    "delta-golden/only-checkpoint-files",                      # commits cleaned up
    "delta-golden/v2-checkpoint-json",                         # V2, JSON, sidecars
    "delta-golden/v2-checkpoint-parquet",                      # V2, Parquet, sidecars
    "delta-golden/data-reader-escaped-chars",                  # escaped partition paths
    "delta-golden/versions-not-contiguous",                    # a gap: exit 3 both ways
    "delta-kernel-rs/parquet_row_group_skipping",              # 5-part checkpoint
    "delta-kernel-rs/parsed-stats",                            # stats_parsed
    "delta-kernel-rs/v2-checkpoints-json-with-sidecars",
    "delta-kernel-rs/v2-checkpoints-parquet-with-sidecars",
    "delta-kernel-rs/v2-classic-checkpoint-parquet",           # V2 file, classic name
    "delta-kernel-rs/with_checkpoint_no_last_checkpoint",
    "delta-kernel-rs/app-txn-checkpoint",                      # txn in a checkpoint
    "dat/multi_partitioned/delta",                             # special characters
    "dat/basic_partitioned/delta",                             # null partition values
]

FORMATS = {  # name -> (suffix, precision in seconds)
    "tar": (".tar", 1),
    "tar.gz": (".tar.gz", 1),
    "tar.xz": (".tar.xz", 1),
    "tar.zst": (".tar.zst", 1),
    "zip": (".zip", 2),
}

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
MILLIS = re.compile(r'("timestamp_ms"\s*:\s*)(\d+)')


def pack(table, fmt, out):
    parent, name = os.path.split(table.rstrip("/"))
    if fmt == "zip":
        # zip keeps an extended timestamp field (1 s) besides the DOS time (2 s)
        subprocess.run(["zip", "-qr", out, name], cwd=parent, check=True)
        return
    flags = {"tar": [], "tar.gz": ["-z"], "tar.xz": ["-J"], "tar.zst": ["--zstd"]}[fmt]
    subprocess.run(["tar", "-C", parent, "-c", *flags, "-f", out, name], check=True)


def floor_ts(text, precision):
    def repl(m):
        t = datetime.datetime.strptime(m.group(0)[:19], "%Y-%m-%dT%H:%M:%S")
        secs = int(t.replace(tzinfo=datetime.timezone.utc).timestamp())
        return "@%d" % (secs - secs % precision)
    def repl_ms(m):
        secs = int(m.group(2)) // 1000
        return "%s@%d" % (m.group(1), secs - secs % precision)
    return MILLIS.sub(repl_ms, TIMESTAMP.sub(repl, text))


def normalize(text, location, precision):
    text = text.replace(location, "<TABLE>")
    return floor_ts(text, precision)


def run(deltaq, args):
    try:
        p = subprocess.run([deltaq, *args], capture_output=True, text=True, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return -999, "", "timed out"


def commands(deltaq, table):
    """The invocations to compare, from what the folder says about its versions."""
    cmds = [["version"], ["log"], ["info"], ["schema"], ["protocol"], ["files"],
            ["partitions"], ["log", "-n", "2"], ["files", "--no-checkpoint"],
            ["check"], ["check", "--deep"], ["check", "--deep", "--jobs", "2"],
            ["scan"], ["scan", "--jobs", "2"], ["orphans", "--now", "@1900000000000"]]
    rc, out, _ = run(deltaq, ["log", "-o", "json", table])
    versions = []
    if rc == 0:
        versions = sorted(c["version"] for c in json.loads(out))
    if versions:
        cmds += [["show", str(versions[-1])], ["show", str(versions[0])],
                 ["info", "--at", str(versions[0])]]
        if len(versions) > 1:
            cmds.append(["diff", str(versions[0])])
    return cmds


def location(target, inside=None):
    """The location deltaq reports: the folder's real path, or ARCHIVE#inside."""
    path = os.path.realpath(target)
    return path + "#" + inside if inside else path


def compare(deltaq, table, label, workdir):
    """Returns a list of failure lines for one table over every format."""
    failures, passed = [], 0
    cmds = commands(deltaq, table)
    dir_loc = location(table)
    dir_runs = {tuple(c): run(deltaq, [*c, "-o", "json", table]) for c in cmds}
    for fmt, (suffix, precision) in FORMATS.items():
        arc = os.path.join(workdir, re.sub(r"[^A-Za-z0-9]+", "_", label) + suffix)
        pack(table, fmt, arc)
        arc_loc = location(arc, os.path.basename(table.rstrip("/")))
        for c in cmds:
            want = dir_runs[tuple(c)]
            got = run(deltaq, [*c, "-o", "json", arc])
            if got[0] != want[0]:
                failures.append("%s [%s] %s: exit %d, folder %d: %s" % (
                    label, fmt, " ".join(c), got[0], want[0], got[2].strip()[:200]))
                continue
            ok = True
            for what, a, b in (("stdout", got[1], want[1]), ("stderr", got[2], want[2])):
                na = normalize(a, arc_loc, precision)
                nb = normalize(b, dir_loc, precision)
                if na != nb:
                    ok = False
                    diff = next((i for i in range(min(len(na), len(nb))) if na[i] != nb[i]),
                                min(len(na), len(nb)))
                    failures.append("%s [%s] %s: %s differs at %d: archive %r, folder %r" % (
                        label, fmt, " ".join(c), what, diff, na[max(0, diff - 40):diff + 40],
                        nb[max(0, diff - 40):diff + 40]))
            passed += ok
    return passed, failures


def settle_times(table, workdir):
    """A copy of `table` under workdir/src whose times are whole seconds: every file at
    BASE, commit v at BASE + v hours (fixtures/set-mtimes.sh).  With the times a checkout
    or a copy happened to give them, commits written within one millisecond get
    monotonic times 1 ms apart (protocol: each later than the one before), which can
    cross a second in the folder but not in the archive, whose times are whole seconds
    already: the answers would differ by a second, depending on when the tree was made."""
    dst = os.path.join(workdir, "src", os.path.basename(table.rstrip("/")))
    shutil.copytree(table, dst, symlinks=True)
    for root, dirs, files in os.walk(dst):
        for name in dirs + files:
            os.utime(os.path.join(root, name), (BASE, BASE), follow_symlinks=False)
    subprocess.run([os.path.join(FIXTURES, "set-mtimes.sh"), dst], check=True,
                   stdout=subprocess.DEVNULL)
    return dst


def tables(corpus):
    out = []
    for name in sorted(os.listdir(FIXTURES)):
        p = os.path.join(FIXTURES, name)
        if os.path.isdir(os.path.join(p, "_delta_log")):
            out.append(("fixtures/" + name, p))
    if corpus and os.path.isdir(corpus):
        for name in SAMPLE:
            p = os.path.join(corpus, name)
            if os.path.isdir(os.path.join(p, "_delta_log")):
                out.append(("corpus/" + name, p))
            else:
                print("archive: corpus table %s is missing" % name)
                out.append(("corpus/" + name, None))
    else:
        print("archive: SKIP the corpus sample: %s not found" % corpus)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--deltaq", default=os.environ.get("DELTAQ", "build/deltaq"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    deltaq = os.path.abspath(args.deltaq)
    for tool in ("tar", "zstd", "xz", "zip"):
        if not shutil.which(tool):
            print("archive: %s is not installed (make deps)" % tool)
            return 1
    work = tempfile.mkdtemp(prefix="dq-archive-")
    passed, failures = 0, []
    try:
        todo = tables(args.corpus)
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            futs = []
            for label, path in todo:
                if path is None:
                    failures.append("%s: missing from the corpus" % label)
                    continue
                d = os.path.join(work, str(len(futs)))
                os.mkdir(d)
                futs.append(ex.submit(compare, deltaq, settle_times(path, d), label, d))
            for f in futs:
                p, fl = f.result()
                passed += p
                failures += fl
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for line in failures:
        print(line)
    print("archive: %d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
