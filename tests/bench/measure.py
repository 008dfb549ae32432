#!/usr/bin/env python3
"""
measure.py - times deltaq and its peers on the bench table, prints the table of results
and writes results.json.  Called by run.sh, which generates the table and installs DuckDB.

Method, the same for every command:
  1. one checked run with stdout captured: deltaq's `info -o json` must find the answer
     gen_table.py stored (num_files, size_bytes, num_records); `files -o ndjson` must print
     one line per active file; peers must find the same count and bytes.  This run also
     warms the page cache.
  2. RSS runs (default 3) under /usr/bin/time -f %M; peak RSS is the largest.  Without
     /usr/bin/time it comes from wait4() and is an upper bound: a child spawned by this
     script inherits the script's own high-water mark (about 10-15 MiB).
  3. timed rounds (default 5; 3 for commands slower than 5 s), each running every command
     once in turn, spawned directly with stdout on /dev/null and timed with a monotonic
     clock around spawn and wait; wall time is the median.  `true` is timed too: its
     time is what spawning costs, included in every other time.
Ratios are deltaq's median over the peer's median: below 1 means deltaq is faster.

Exit status: 0 when every answer is right, whether or not targets are met (the bench
reports, it does not gate); 1 when deltaq (or a peer) gives a wrong answer or fails.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MIB = 1024 * 1024
SLOW_S = 5.0
JQ_PROGRAM = ('reduce inputs as $a ({}; if $a.add then .[$a.add.path] = $a.add.size '
              'elif $a.remove then del(.[$a.remove.path]) else . end) '
              '| {num_files: length, size_bytes: (map(.) | add // 0)}')


class Cmd:
    def __init__(self, name, argv, cwd=None, check=None, deltaq=False, shown=None):
        self.name = name
        self.argv = argv
        self.shown = shown or shlex.join(argv)   # the command line, for results.json
        self.cwd = cwd
        self.check = check        # function(stdout bytes) -> None or an error string
        self.deltaq = deltaq
        self.wall = []
        self.rss_kib = []
        self.rss_exact = True
        self.error = None         # why the command has no result (it failed or was wrong)
        self.skipped = None       # why it did not run at all

    def median(self):
        return statistics.median(self.wall) if self.wall else None

    def rss_mib(self):
        return max(self.rss_kib) / 1024 if self.rss_kib else None


def run_once(cmd, stdout, timed=True, time_bin=None):
    """Runs cmd once; returns (wall seconds, peak RSS KiB or None, exit code, stdout bytes)."""
    rss_file = None
    argv = cmd.argv
    if time_bin:
        fd, rss_file = tempfile.mkstemp(prefix="deltaq-bench-")
        os.close(fd)
        argv = [time_bin, "-f", "%M", "-o", rss_file, "--"] + argv
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(argv, cwd=cmd.cwd, stdin=subprocess.DEVNULL, stdout=stdout)
    out = b""
    if stdout == subprocess.PIPE:
        out = p.stdout.read()
        p.stdout.close()
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter_ns() - t0) / 1e9
    p.returncode = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    if rss_file:
        with open(rss_file) as f:
            lines = f.read().split()
        os.unlink(rss_file)
        rss = int(lines[-1]) if lines and lines[-1].isdigit() else None
    return wall, rss, p.returncode, out


def check_run(cmd):
    """The checked run: exit status and answer.  Sets cmd.error on failure."""
    try:
        _, _, code, out = run_once(cmd, subprocess.PIPE)
    except OSError as e:
        cmd.error = "cannot run: %s" % e
        return
    if code != 0:
        cmd.error = "exit status %d" % code
    elif cmd.check:
        cmd.error = cmd.check(out)


def measure(cmds, reps, rss_reps, time_bin):
    """
    Checked runs, then RSS runs, then `reps` timed rounds over all commands (round-robin,
    so that load changing on the machine hits every command alike).  A command slower
    than SLOW_S in the first round gets 3 rounds.
    """
    live = [c for c in cmds if not c.skipped]
    for c in live:
        check_run(c)
        sys.stderr.write("bench: %-28s %s\n" % (c.name, c.error or "ok"))
    live = [c for c in live if not c.error]
    with open(os.devnull, "wb") as null:
        if time_bin:
            sys.stderr.write("bench: %d RSS runs each\n" % rss_reps)
            for c in live:
                for _ in range(rss_reps):
                    _, rss, code, _ = run_once(c, null, time_bin=time_bin)
                    if code != 0:
                        c.error = "exit status %d" % code
                        break
                    if rss is not None:
                        c.rss_kib.append(rss)
            live = [c for c in live if not c.error]
        for r in range(reps):
            sys.stderr.write("bench: timed round %d/%d\n" % (r + 1, reps))
            for c in live:
                if c.error or (r >= 3 and c.wall and c.wall[0] > SLOW_S):
                    continue
                wall, rss, code, _ = run_once(c, null)
                if code != 0:
                    c.error = "exit status %d" % code
                    continue
                c.wall.append(wall)
                if not time_bin:
                    c.rss_kib.append(rss)
                    c.rss_exact = False


# ---- answer checks ------------------------------------------------------------------

def find_key(obj, key):
    """The first value named `key` in a JSON document, searching nested objects."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def answer_check(expected, keys):
    def check(out):
        try:
            doc = json.loads(out)
        except ValueError as e:
            return "output is not JSON: %s" % e
        wrong = []
        for k in keys:
            got = find_key(doc, k)
            if got != expected[k]:
                wrong.append("%s %s, expected %s" % (k, got, expected[k]))
        return "WRONG ANSWER: " + "; ".join(wrong) if wrong else None
    return check


def lines_check(expected_lines, what):
    def check(out):
        n = out.count(b"\n")
        if n != expected_lines:
            return "WRONG ANSWER: %d lines, expected %d %s" % (n, expected_lines, what)
        return None
    return check


def list_check(expected_len, what):
    """If the output is a JSON array, it must have one element per `what`."""
    def check(out):
        try:
            doc = json.loads(out)
        except ValueError as e:
            return "output is not JSON: %s" % e
        if isinstance(doc, list) and len(doc) != expected_len:
            return "WRONG ANSWER: %d elements, expected %d %s" % (len(doc), expected_len, what)
        return None
    return check


# ---- report ---------------------------------------------------------------------------

def fmt_s(x):
    return "%.4f" % x if x is not None else "-"


def fmt_mib(x, exact=True):
    if x is None:
        return "-"
    return ("%.1f" if exact else "<=%.1f") % x


def tool_version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return None


def machine():
    info = {"nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)),
            "kernel": platform.release(), "machine": platform.machine()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total_kib"] = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return info


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltaq", help="the deltaq binary (omit to time the peers only)")
    ap.add_argument("--work", default=os.path.join(here, "work"))
    ap.add_argument("--results", default=os.path.join(here, "results.json"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rss-reps", type=int, default=3)
    ap.add_argument("--no-duckdb", metavar="WHY", help="skip the DuckDB rows, saying why")
    args = ap.parse_args()

    table = os.path.join(os.path.abspath(args.work), "table")
    with open(os.path.join(args.work, "expected.json")) as f:
        expected = json.load(f)
    time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    if time_bin and subprocess.run([time_bin, "-f", "%M", "-o", os.devnull, "true"]).returncode:
        time_bin = None
    logs = sorted(os.path.relpath(p, table)
                  for p in glob.glob(os.path.join(table, "_delta_log", "*.json")))

    dq = args.deltaq
    cmds = {}

    def add(key, *a, **kw):
        cmds[key] = Cmd(*a, **kw)

    if dq:
        add("version", "deltaq version", [dq, "version", table], deltaq=True)
        add("log_n5", "deltaq log -n 5", [dq, "log", "-n", "5", table], deltaq=True)
        add("log", "deltaq log -o json", [dq, "log", "-o", "json", table], deltaq=True,
            check=list_check(expected["commits"], "commits"))
        add("info", "deltaq info -o json", [dq, "info", "-o", "json", table], deltaq=True,
            check=answer_check(expected, ["num_files", "size_bytes", "num_records"]))
        add("files", "deltaq files -o ndjson", [dq, "files", "-o", "ndjson", table],
            deltaq=True, check=lines_check(expected["num_files"], "active files"))
        add("partitions", "deltaq partitions -o json", [dq, "partitions", "-o", "json", table],
            deltaq=True, check=list_check(expected["num_partitions"], "partitions"))
    add("python", "python replay", [sys.executable, os.path.join(here, "py_replay.py"), table],
        check=answer_check(expected, ["num_files", "size_bytes", "num_records"]))
    node = shutil.which("node")
    duck = os.path.join(here, "duckdb_replay.mjs")
    add("duckdb", "duckdb replay", [node or "node", duck, table],
        check=answer_check(expected, ["num_files", "size_bytes"]))
    add("duckdb_select1", "duckdb select 1", [node or "node", duck, "--select1"])
    add("jq", "jq reduce", ["sh", "-c", "cat _delta_log/*.json | jq -n -c '%s'" % JQ_PROGRAM],
        cwd=table, check=answer_check(expected, ["num_files", "size_bytes"]))
    add("cat", "cat floor", ["cat"] + logs, cwd=table, shown="cat _delta_log/*.json")
    add("ls", "ls floor", ["ls", "_delta_log"], cwd=table)
    add("true", "true (spawn cost)", ["true"])

    if args.no_duckdb or not node:
        why = args.no_duckdb or "node not found"
        cmds["duckdb"].skipped = cmds["duckdb_select1"].skipped = why
    if not shutil.which("jq"):
        cmds["jq"].skipped = "jq not found"

    # Warm the page cache before anything is timed.
    with open(os.devnull, "wb") as null:
        subprocess.run(["cat"] + logs, cwd=table, stdout=null, check=True)

    measure(list(cmds.values()), args.reps, args.rss_reps, time_bin)

    # ---- comparisons: (command, peer or None, target ratio or None, note)
    def t(key):
        c = cmds.get(key)
        return c.median() if c and not c.error and not c.skipped else None

    comparisons = []

    def compare(cmd, peer, target, note=""):
        a, b = t(cmd), t(peer)
        ratio = a / b if a is not None and b is not None and b > 0 else None
        if ratio is None:
            why = cmds[peer].skipped or cmds[peer].error or cmds[cmd].error or "no time"
            result = "SKIP"
            note = note or why
        elif target is None:
            result = "-"
        else:
            result = "PASS" if ratio <= target else "MISS"
        comparisons.append({"command": cmds[cmd].name, "peer": cmds[peer].name,
                            "ratio": ratio, "target": target and "<= %gx" % target,
                            "result": result, "note": note})

    def rss_target(cmd, limit_mib):
        c = cmds[cmd]
        rss = c.rss_mib() if not c.error else None
        result = "SKIP" if rss is None else ("PASS" if rss < limit_mib else "MISS")
        comparisons.append({"command": c.name, "peer": None, "rss_mib": rss,
                            "rss_exact": c.rss_exact, "target": "< %d MiB" % limit_mib,
                            "result": result,
                            "note": "" if c.rss_exact else "upper bound (no /usr/bin/time)"})

    if dq:
        compare("version", "ls", 3)
        compare("log_n5", "ls", 3)
        compare("log", "cat", 1.2)
        compare("info", "python", 0.5)
        compare("info", "duckdb", 0.5)
        compare("info", "cat", None, "distance to the I/O floor")
        rss_target("info", 64)
        compare("files", "python", None)
        rss_target("files", 64)
        compare("partitions", "python", None)

    # ---- the table
    print()
    print("deltaq bench: %d commits, %d adds, %d removes, %.1f MB of log, %d active files, "
          "%d partitions" % (expected["commits"], expected["adds"], expected["removes"],
                             expected["log_bytes"] / 1e6, expected["num_files"],
                             expected["num_partitions"]))
    print("wall: median of %d warm runs (round-robin); peak RSS: %s; ratio: deltaq / peer (< 1 is faster)"
          % (args.reps, "max of %d runs under /usr/bin/time" % args.rss_reps if time_bin
             else "wait4() upper bound"))
    print()
    row = "%-27s %9s %8s  %-22s %-10s %s"
    print(row % ("command", "wall s", "RSS MiB", "ratio vs peer", "target", "result"))
    for key, c in cmds.items():
        if c.skipped:
            print((row % (c.name, "-", "-", "", "", "skipped: " + c.skipped)).rstrip())
            continue
        mine = [x for x in comparisons if x["command"] == c.name]
        first = True
        if c.error:
            print((row % (c.name, "-", "-", "", "", "FAIL: " + c.error)).rstrip())
            continue
        for x in mine or [None]:
            left = (c.name, fmt_s(c.median()), fmt_mib(c.rss_mib(), c.rss_exact)) if first \
                else ("", "", "")
            first = False
            if x is None:
                print((row % (left + ("", "", ""))).rstrip())
            elif x["peer"] is None:
                print(row % (left + ("peak RSS %s MiB" % fmt_mib(x["rss_mib"], x["rss_exact"]),
                                     x["target"], (x["result"] + " " + x["note"]).strip())))
            else:
                ratio = "%.2fx %s" % (x["ratio"], x["peer"]) if x["ratio"] is not None \
                    else x["peer"]
                res = x["result"] if x["result"] != "-" else ""
                print((row % (left + (ratio, x["target"] or "-",
                                      (res + " " + x["note"]).strip()))).rstrip())
    print()

    # ---- verdict and results.json
    wrong = [c for c in cmds.values() if c.error]
    answer = cmds.get("info")
    results = {
        "schema": 1,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "tools": {
            "deltaq": dq and os.path.abspath(dq),
            "python": platform.python_version(),
            "node": node and tool_version([node, "--version"]),
            "duckdb_node_api": None,
            "jq": shutil.which("jq") and tool_version(["jq", "--version"]),
            "time": time_bin,
        },
        "table": dict(expected, path=table),
        "method": {"wall": "median of %d warm round-robin runs after one checked run"
                           % args.reps,
                   "rss": ("max of %d runs under /usr/bin/time -f %%M" % args.rss_reps
                           if time_bin else "max of wait4() ru_maxrss (upper bound)"),
                   "ratio": "deltaq median / peer median"},
        "answer_ok": bool(answer) and not answer.error and not answer.skipped,
        "measurements": {
            key: {"name": c.name, "command": c.shown, "cwd": c.cwd, "wall_s": c.median(), "wall_samples_s": c.wall,
                  "rss_mib": c.rss_mib(), "rss_exact": c.rss_exact,
                  "rss_samples_kib": c.rss_kib, "error": c.error, "skipped": c.skipped}
            for key, c in cmds.items()},
        "comparisons": comparisons,
    }
    try:
        with open(os.path.join(here, "node", "node_modules", "@duckdb", "node-api",
                               "package.json")) as f:
            results["tools"]["duckdb_node_api"] = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    with open(args.results, "w") as f:
        f.write(json.dumps(results, indent=2) + "\n")
    print("results written to %s" % args.results)

    status = 0
    for c in wrong:
        print("bench: %s: %s" % (c.name, c.error), file=sys.stderr)
        status = 1
    if not dq:
        print("bench: no deltaq binary: only the peers were timed", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
