#!/usr/bin/env python3
"""
measure.py - times deltaq and its peers on the bench tables, prints the tables of results
and writes results.json.  Called by run.sh, which generates the tables and installs DuckDB.

Two tables, each measured in its own round-robin and reported in its own table:
  * the JSON-log table of gen_table.py (20,000 commits, no checkpoint), against a Python
    replay, DuckDB, jq and the cat/ls floors;
  * the checkpoint table of gen_checkpoint.mjs (1,000,000 adds in a Parquet checkpoint at
    version 99, 50 commits after it): `deltaq info`, `deltaq files | wc -l` and
    `deltaq partitions` against duckdb_cp_replay.mjs doing the same work in SQL
    (read_parquet of the checkpoint plus read_json of the commits after it), DuckDB's bare
    start-up (`select 1`) and the cat floor.

Method, the same for every command:
  1. one checked run with stdout captured: deltaq's `info -o json` must find the answer
     the generator stored (num_files, size_bytes, num_records); `files` must print one
     line per active file; `partitions` the stored files, bytes and records of each
     partition (checkpoint table); peers must find the same count and bytes.  This run
     also warms the page cache.
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


def count_check(expected, what):
    """The output is a line count (of `wc -l`) that must equal `expected`."""
    def check(out):
        try:
            n = int(out.strip())
        except ValueError:
            return "output is not a line count: %r" % out[:80]
        if n != expected:
            return "WRONG ANSWER: %d lines, expected %d (%s)" % (n, expected, what)
        return None
    return check


def partitions_check(expected_parts, column):
    """
    A JSON array with one element per partition, {"partition_values": {column: V},
    "num_files", "size_bytes", "num_records"}, equal to expected_parts {V: {...}}.
    """
    keys = ("num_files", "size_bytes", "num_records")

    def check(out):
        try:
            doc = json.loads(out)
        except ValueError as e:
            return "output is not JSON: %s" % e
        if not isinstance(doc, list):
            return "output is not a JSON array"
        got = {}
        for el in doc:
            pv = el.get("partition_values") if isinstance(el, dict) else None
            v = pv.get(column) if isinstance(pv, dict) else None
            got[v] = {k: el.get(k) for k in keys}
        if got == expected_parts:
            return None
        diff = [v for v in sorted(set(got) | set(expected_parts), key=str)
                if got.get(v) != expected_parts.get(v)]
        return ("WRONG ANSWER: %d partitions, expected %d; %d differ, first %s=%s: %s, "
                "expected %s" % (len(got), len(expected_parts), len(diff), column, diff[0],
                                 got.get(diff[0]), expected_parts.get(diff[0])))
    return check


# ---- report ---------------------------------------------------------------------------

def fmt_s(x):
    return "%.4f" % x if x is not None else "-"


def fmt_mib(x, exact=True):
    if x is None:
        return "-"
    return ("%.1f" if exact else "<=%.1f") % x


class Section:
    """One bench table: its commands, their comparisons against targets, its report rows."""

    def __init__(self):
        self.cmds = {}
        self.comparisons = []

    def add(self, key, *a, **kw):
        self.cmds[key] = Cmd(*a, **kw)

    def t(self, key):
        c = self.cmds.get(key)
        return c.median() if c and not c.error and not c.skipped else None

    def compare(self, cmd, peer, target, note="", minus=None, peer_name=None):
        """
        Ratio of cmd's median to peer's; with `minus`, to peer's median less minus's (the
        peer's time in its engine, without its start-up), shown as peer_name.
        """
        a, b = self.t(cmd), self.t(peer)
        if minus is not None:
            m = self.t(minus)
            b = b - m if b is not None and m is not None else None
        ratio = a / b if a is not None and b is not None and b > 0 else None
        if ratio is None:
            why = next((x for k in (peer, minus, cmd) if k
                        for x in (self.cmds[k].skipped, self.cmds[k].error) if x), "no time")
            result = "SKIP"
            note = note or why
        elif target is None:
            result = "-"
        else:
            result = "PASS" if ratio <= target else "MISS"
        self.comparisons.append({"command": self.cmds[cmd].name,
                                 "peer": peer_name or self.cmds[peer].name,
                                 "ratio": ratio, "target": target and "<= %gx" % target,
                                 "result": result, "note": note})

    def rss_target(self, cmd, limit_mib):
        c = self.cmds[cmd]
        rss = c.rss_mib() if not c.error else None
        result = "SKIP" if rss is None else ("PASS" if rss < limit_mib else "MISS")
        self.comparisons.append({"command": c.name, "peer": None, "rss_mib": rss,
                                 "rss_exact": c.rss_exact, "target": "< %d MiB" % limit_mib,
                                 "result": result,
                                 "note": "" if c.rss_exact else "upper bound (no /usr/bin/time)"})

    def print_rows(self):
        wide = max([22] + [len(x["peer"]) + 7 for x in self.comparisons if x["peer"]])
        row = "%-27s %9s %8s  %-" + str(wide) + "s %-10s %s"
        print(row % ("command", "wall s", "RSS MiB", "ratio vs peer", "target", "result"))
        for c in self.cmds.values():
            if c.skipped:
                print((row % (c.name, "-", "-", "", "", "skipped: " + c.skipped)).rstrip())
                continue
            if c.error:
                print((row % (c.name, "-", "-", "", "", "FAIL: " + c.error)).rstrip())
                continue
            mine = [x for x in self.comparisons if x["command"] == c.name]
            first = True
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

    def measurements(self):
        return {key: {"name": c.name, "command": c.shown, "cwd": c.cwd, "wall_s": c.median(),
                      "wall_samples_s": c.wall, "rss_mib": c.rss_mib(),
                      "rss_exact": c.rss_exact, "rss_samples_kib": c.rss_kib,
                      "error": c.error, "skipped": c.skipped}
                for key, c in self.cmds.items()}


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


def json_log_section(args, table, expected, dq, node):
    """The JSON-log table: deltaq against a Python replay, DuckDB, jq and the floors."""
    here = os.path.dirname(os.path.abspath(__file__))
    logs = sorted(os.path.relpath(p, table)
                  for p in glob.glob(os.path.join(table, "_delta_log", "*.json")))
    sec = Section()
    add = sec.add
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
        sec.cmds["duckdb"].skipped = sec.cmds["duckdb_select1"].skipped = why
    if not shutil.which("jq"):
        sec.cmds["jq"].skipped = "jq not found"

    # Warm the page cache before anything is timed.
    with open(os.devnull, "wb") as null:
        subprocess.run(["cat"] + logs, cwd=table, stdout=null, check=True)
    return sec


def json_log_targets(sec):
    compare = sec.compare
    compare("version", "ls", 3)
    compare("log_n5", "ls", 3)
    compare("log", "cat", 1.2)
    compare("info", "python", 0.5)
    compare("info", "duckdb", 0.5)
    compare("info", "cat", None, "distance to the I/O floor")
    sec.rss_target("info", 64)
    compare("files", "python", None)
    sec.rss_target("files", 64)
    compare("partitions", "python", None)


def checkpoint_section(args, table, expected, dq, node):
    """
    The checkpoint table: deltaq info, files | wc -l and partitions against DuckDB doing the
    same work in SQL, DuckDB's start-up alone and the cat floor.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    log = os.path.join(table, "_delta_log")
    cp = os.path.join(log, "%020d.checkpoint.parquet" % expected["checkpoint_version"])
    tail = sorted(os.path.join(log, "%020d.json" % v)
                  for v in range(expected["checkpoint_version"] + 1, expected["version"] + 1))
    parts = partitions_check(expected["partitions"], "date")
    files_what = "active files and the header line"
    sec = Section()
    add = sec.add
    q = shlex.quote
    if dq:
        add("cp_info", "deltaq info -o json", [dq, "info", "-o", "json", table], deltaq=True,
            check=answer_check(expected, ["num_files", "size_bytes", "num_records",
                                          "checkpoint_version", "version"]))
        add("cp_files", "deltaq files | wc -l",
            ["sh", "-c", "%s files %s | wc -l" % (q(dq), q(table))], deltaq=True,
            check=count_check(expected["num_files"] + 1, files_what))
        add("cp_partitions", "deltaq partitions -o json",
            [dq, "partitions", "-o", "json", table], deltaq=True, check=parts)
    duck = os.path.join(here, "duckdb_cp_replay.mjs")
    node = node or "node"
    add("duckdb_info", "duckdb info replay", [node, duck, "info", table],
        check=answer_check(expected, ["num_files", "size_bytes", "num_records"]))
    add("duckdb_files", "duckdb files | wc -l",
        ["sh", "-c", "%s %s files %s | wc -l" % (q(node), q(duck), q(table))],
        check=count_check(expected["num_files"], "active files"))
    add("duckdb_partitions", "duckdb partitions", [node, duck, "partitions", table],
        check=parts)
    add("duckdb_select1", "duckdb select 1",
        [node, os.path.join(here, "duckdb_replay.mjs"), "--select1"])
    add("cat", "cat floor", ["cat", cp] + tail,
        shown="cat _delta_log/*.checkpoint.parquet _delta_log/{%d..%d}.json"
              % (expected["checkpoint_version"] + 1, expected["version"]))
    add("true", "true (spawn cost)", ["true"])

    if args.no_duckdb or shutil.which(node) is None:
        why = args.no_duckdb or "node not found"
        for k in ("duckdb_info", "duckdb_files", "duckdb_partitions", "duckdb_select1"):
            sec.cmds[k].skipped = why

    with open(os.devnull, "wb") as null:
        subprocess.run(["cat", cp] + tail, stdout=null, check=True)
    return sec


def checkpoint_targets(sec):
    compare = sec.compare
    compare("cp_info", "duckdb_info", 0.5, "half of DuckDB's whole run")
    compare("cp_info", "duckdb_info", None, "replay minus select 1", minus="duckdb_select1",
            peer_name="duckdb in-engine")
    sec.rss_target("cp_info", 512)
    compare("cp_info", "cat", None, "distance to the I/O floor")
    compare("cp_files", "duckdb_files", None)
    compare("cp_partitions", "duckdb_partitions", 1)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltaq", help="the deltaq binary (omit to time the peers only)")
    ap.add_argument("--work", default=os.path.join(here, "work"))
    ap.add_argument("--cp-work", help="the checkpoint table's directory (default WORK/cp)")
    ap.add_argument("--results", default=os.path.join(here, "results.json"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rss-reps", type=int, default=3)
    ap.add_argument("--no-duckdb", metavar="WHY", help="skip the DuckDB rows, saying why")
    ap.add_argument("--no-checkpoint", metavar="WHY",
                    help="skip the checkpoint table, saying why")
    args = ap.parse_args()

    table = os.path.join(os.path.abspath(args.work), "table")
    with open(os.path.join(args.work, "expected.json")) as f:
        expected = json.load(f)
    cp_work = os.path.abspath(args.cp_work or os.path.join(args.work, "cp"))
    cp_table = os.path.join(cp_work, "table")
    cp_expected = None
    cp_skipped = args.no_checkpoint
    if not cp_skipped:
        try:
            with open(os.path.join(cp_work, "expected.json")) as f:
                cp_expected = json.load(f)
        except (OSError, ValueError) as e:
            cp_skipped = "no checkpoint table: %s" % e
    time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    if time_bin and subprocess.run([time_bin, "-f", "%M", "-o", os.devnull, "true"]).returncode:
        time_bin = None
    dq = args.deltaq
    node = shutil.which("node")

    sections = []
    sec = json_log_section(args, table, expected, dq, node)
    sections.append(sec)
    sys.stderr.write("bench: JSON-log table\n")
    measure(list(sec.cmds.values()), args.reps, args.rss_reps, time_bin)
    if dq:
        json_log_targets(sec)
    cp_sec = None
    if not cp_skipped:
        cp_sec = checkpoint_section(args, cp_table, cp_expected, dq, node)
        sections.append(cp_sec)
        sys.stderr.write("bench: checkpoint table\n")
        measure(list(cp_sec.cmds.values()), args.reps, args.rss_reps, time_bin)
        if dq:
            checkpoint_targets(cp_sec)

    # ---- the tables
    method = ("wall: median of %d warm runs (round-robin); peak RSS: %s; ratio: deltaq / peer "
              "(< 1 is faster)" % (args.reps, "max of %d runs under /usr/bin/time" % args.rss_reps
                                   if time_bin else "wait4() upper bound"))
    print()
    print("deltaq bench: %d commits, %d adds, %d removes, %.1f MB of log, %d active files, "
          "%d partitions" % (expected["commits"], expected["adds"], expected["removes"],
                             expected["log_bytes"] / 1e6, expected["num_files"],
                             expected["num_partitions"]))
    print(method)
    print()
    sec.print_rows()
    print()
    if cp_sec:
        e = cp_expected
        print("deltaq bench, checkpoint table: checkpoint at version %d (%d adds, %d tombstones, "
              "%.1f MB SNAPPY, stats JSON of %d bytes on average), %d commits after it; "
              "%d active files, %d partitions" % (
                  e["checkpoint_version"], e["checkpoint_adds"], e["checkpoint_tombstones"],
                  e["checkpoint_bytes"] / 1e6, e["stats_bytes"]["avg"], e["tail_commits"],
                  e["num_files"], e["num_partitions"]))
        print(method)
        print()
        cp_sec.print_rows()
        print()
    else:
        print("deltaq bench, checkpoint table: skipped: %s" % cp_skipped)
        print()

    # ---- verdict and results.json
    answer = sec.cmds.get("info")
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
        "measurements": sec.measurements(),
        "comparisons": sec.comparisons,
    }
    if cp_sec:
        cp_answer = cp_sec.cmds.get("cp_info")
        results["checkpoint"] = {
            "table": dict({k: v for k, v in cp_expected.items() if k != "partitions"},
                          path=cp_table),
            "answer_ok": bool(cp_answer) and not cp_answer.error and not cp_answer.skipped,
            "measurements": cp_sec.measurements(),
            "comparisons": cp_sec.comparisons,
        }
    else:
        results["checkpoint"] = {"skipped": cp_skipped}
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
    for name, s in zip(("JSON-log table", "checkpoint table"), sections):
        for c in s.cmds.values():
            if c.error:
                print("bench: %s: %s: %s" % (name, c.name, c.error), file=sys.stderr)
                status = 1
    if not dq:
        print("bench: no deltaq binary: only the peers were timed", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
