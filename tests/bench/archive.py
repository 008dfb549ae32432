#!/usr/bin/env python3
"""
archive.py - `make bench`'s archive workload: `deltaq info` on the 20,000-commit JSON table
of gen_table.py read from its folder, from the same table packed as .tar.zst, and by
extracting the archive first (`tar -xf` into a temporary folder, then `deltaq info` there).
Targets (issue 5): the archive costs no more than 1.5x the folder, and less than
extracting first.  The three answers must agree (num_files, size_bytes, num_records).

    archive.py --deltaq build/deltaq --work tests/bench/work [--reps 5] [--results FILE]

The .tar.zst is made once with tar | zstd (-3) beside the table and remade when the table's
stamp is newer.  Prints one line per case (median wall time of --reps runs, peak RSS from
/usr/bin/time when present) and the two ratios; merges them into results.json under
"archive" when --results is given.  Exit 1 on a wrong answer, never on a missed target.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(argv, **kw):
    t = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return time.monotonic() - t, p


def rss_kib(argv):
    if not shutil.which("time") and not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    try:
        return int(p.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def answer(out):
    d = json.loads(out)
    return d["num_files"], d["size_bytes"], d["num_records"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltaq", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--results")
    a = ap.parse_args()
    table = os.path.join(a.work, "table")
    arc = os.path.join(a.work, "table.tar.zst")
    stamp = os.path.join(a.work, "table.stamp")
    if not os.path.isdir(table):
        print("archive bench: %s is missing (gen_table.py makes it)" % table, file=sys.stderr)
        return 1
    if not os.path.exists(arc) or os.path.getmtime(arc) < os.path.getmtime(stamp):
        subprocess.run("tar -C '%s' -cf - table | zstd -q -3 -f -o '%s'" % (a.work, arc),
                       shell=True, check=True)
    info = [a.deltaq, "info", "-o", "json"]
    cases = {}

    def extract_then_info():
        d = tempfile.mkdtemp(prefix="dq-bench-x-")
        try:
            t0 = time.monotonic()
            subprocess.run(["tar", "-C", d, "--zstd", "-xf", arc], check=True)
            t1, p = timed(info + [os.path.join(d, "table")])
            return time.monotonic() - t0, p
        finally:
            shutil.rmtree(d, ignore_errors=True)

    runs = {
        "folder": lambda: timed(info + [table]),
        "tar.zst": lambda: timed(info + [arc]),
        "tar -xf + info": extract_then_info,
    }
    answers = {}
    for name, fn in runs.items():   # a checked run that also warms the page cache
        _, p = fn()
        if p.returncode != 0:
            print("archive bench: %s failed: %s" % (name, p.stderr.decode()[:300]),
                  file=sys.stderr)
            return 1
        answers[name] = answer(p.stdout)
    if len(set(answers.values())) != 1:
        print("archive bench: answers differ: %s" % answers, file=sys.stderr)
        return 1
    times = {n: [] for n in runs}
    for _ in range(a.reps):
        for name, fn in runs.items():
            times[name].append(fn()[0])
    for name in runs:
        med = statistics.median(times[name])
        rss = rss_kib(info + [arc if name == "tar.zst" else table]) if name != "tar -xf + info" else None
        cases[name] = {"wall_s": round(med, 4), "rss_mib": round(rss / 1024, 1) if rss else None}
        print("%-16s %8.3f s%s" % (name, med, "  %6.1f MiB" % (rss / 1024) if rss else ""))
    r_dir = cases["tar.zst"]["wall_s"] / cases["folder"]["wall_s"]
    r_x = cases["tar.zst"]["wall_s"] / cases["tar -xf + info"]["wall_s"]
    print("tar.zst / folder: %.2fx (target <= 1.5x: %s)" % (r_dir, "met" if r_dir <= 1.5 else "MISSED"))
    print("tar.zst / extract first: %.2fx (target < 1: %s)" % (r_x, "met" if r_x < 1 else "MISSED"))
    if a.results:
        try:
            with open(a.results) as f:
                res = json.load(f)
        except (OSError, ValueError):
            res = {}
        res["archive"] = {"cases": cases, "archive_over_folder": round(r_dir, 3),
                          "archive_over_extract": round(r_x, 3),
                          "archive_bytes": os.path.getsize(arc)}
        with open(a.results, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
