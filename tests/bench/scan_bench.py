#!/usr/bin/env python3
"""
scan_bench.py - the `scan` workload of `make bench` (called by scan.sh).

Table: 500 partitions x 4 small Parquet data files (tests/fixtures/scan_table.py, 200 to 203
rows in 2 row groups each, 10 commits), written under --work when missing or when the
generator changed.

Runs, round-robin, --reps times each (stdout to /dev/null):
    scan                 in-process, the CPUs' threads
    scan --jobs 1/2/4    workers, default threads (max(1, CPUs / N) each)
    scan --jobs 1/2/4 --threads 1
and reports for each the minimum and median wall time, user+system CPU (of deltaq and its
reaped workers, from wait4), bytes read (the change in this script's /proc/self/io rchar:
Linux adds a reaped child's I/O, with its own reaped children's, to the parent), and for
--jobs the workers' start-up: spawn until the worker was ready (exec, dynamic linking,
opening the table; the CLOCK_MONOTONIC time its hello record carries), as the slowest
worker's share of the wall time.  The start-up comes from the DELTAQ_DEBUG=jobs summary
line of a second run of each --jobs command in the same round, divided by the plain run's
wall time: the times are those of plain runs, as users run deltaq, since the debug output
(and the start facts each worker then collects, after it is ready) cost time of their
own.  The first run of each command is checked: 500 partitions, 2000 files, no
mismatches, the generator's row count.

Targets (from issue 4): --jobs 2 at least 1.6x faster than --jobs 1 on 2 cores; start-up
under 5% of the total.  Reported, not enforced: the machine may be shared.

And the machine's own ceiling for the speed-up, as a reference: the same work items
(--list-partitions, dealt alternately into two halves) scanned by `deltaq scan --threads 1
--partition -` in one process, then by two such processes side by side, one half each: no
supervisor, no replay, no worker protocol, only the footer reads.  On this 2-core VM those
reads (open, fstat, pread, close: kernel work) scale well short of 2x across two
processes, and --jobs 2 cannot scale better than they do.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")
GEN_ARGS = ["--partitions", "500", "--files", "4", "--rows", "200", "--row-groups", "2",
            "--commits", "10"]


def rchar():
    with open("/proc/self/io") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0


def generate(work):
    stamp = hashlib.sha256()
    for name in ("scan_table.py", "parquet_writer.py"):
        with open(os.path.join(FIX, name), "rb") as f:
            stamp.update(f.read())
    stamp.update(" ".join(GEN_ARGS).encode())
    stamp = stamp.hexdigest()
    table = os.path.join(work, "table")
    stamp_file = os.path.join(work, "stamp")
    facts_file = os.path.join(work, "facts.json")
    if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
        return table, json.load(open(facts_file))
    print("bench: writing the scan table (500 partitions x 4 Parquet files)", file=sys.stderr)
    subprocess.run(["rm", "-rf", table], check=True)
    os.makedirs(work, exist_ok=True)
    out = subprocess.run([sys.executable, os.path.join(FIX, "scan_table.py"), table] + GEN_ARGS,
                         check=True, capture_output=True, text=True).stdout
    with open(facts_file, "w") as f:
        f.write(out)
    with open(stamp_file, "w") as f:
        f.write(stamp)
    return table, json.loads(out)


def run(argv, env=None):
    """(wall s, cpu s, bytes read, stderr) of one run."""
    before = rchar()
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit("bench: %s exited %d: %s" % (" ".join(argv), p.returncode, err.decode()[:500]))
    return wall, ru.ru_utime + ru.ru_stime, rchar() - before, err.decode()


def run_ref(argv, inputs):
    """Wall seconds of one `argv` process per input file (its stdin), run side by side."""
    t0 = time.monotonic()
    ps = [subprocess.Popen(argv, stdin=open(f), stdout=subprocess.DEVNULL) for f in inputs]
    for p in ps:
        if p.wait() != 0:
            raise SystemExit("bench: %s exited %d" % (" ".join(argv), p.returncode))
    return time.monotonic() - t0


def spawn_ms(argv, n):
    """Spawn-to-exit times in ms of `argv`, n runs, stdin and stdout on /dev/null (posix_spawn
    and waitpid, as jobs.c spawns its workers, without a shell or Python's subprocess)."""
    null_in = os.open(os.devnull, os.O_RDONLY)
    null_out = os.open(os.devnull, os.O_WRONLY)
    acts = [(os.POSIX_SPAWN_DUP2, null_in, 0), (os.POSIX_SPAWN_DUP2, null_out, 1)]
    times = []
    try:
        for _ in range(n):
            t0 = time.monotonic()
            pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=acts)
            _, status = os.waitpid(pid, 0)
            times.append((time.monotonic() - t0) * 1e3)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit("bench: %s exited %d" % (" ".join(argv),
                                                          os.waitstatus_to_exitcode(status)))
    finally:
        os.close(null_in)
        os.close(null_out)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltaq", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--results")
    a = ap.parse_args()
    table, facts = generate(a.work)

    check = subprocess.run([a.deltaq, "scan", "-o", "json", table], capture_output=True, text=True)
    parts = json.loads(check.stdout) if check.returncode == 0 else None
    if (not parts or len(parts) != facts["partitions"] or
            sum(p["num_files"] for p in parts) != facts["files"] or
            sum(p["num_rows"] for p in parts) != facts["rows"] or
            any(p["mismatches"] for p in parts)):
        raise SystemExit("bench: scan gave a wrong answer (exit %d)" % check.returncode)

    items = subprocess.run([a.deltaq, "scan", "--list-partitions", table], check=True,
                           capture_output=True, text=True).stdout.splitlines(keepends=True)
    halves = []
    for k in range(2):
        path = os.path.join(a.work, "items-%d.ndjson" % k)
        with open(path, "w") as f:
            f.writelines(items[k::2])
        halves.append(path)
    with open(os.path.join(a.work, "items.ndjson"), "w") as f:
        f.writelines(items)
    ref = [a.deltaq, "scan", "-o", "ndjson", "--threads", "1", "--partition", "-", table]

    cmds = [("scan", [])]
    for j in (1, 2, 4):
        cmds.append(("scan --jobs %d" % j, ["--jobs", str(j)]))
    for j in (1, 2, 4):
        cmds.append(("scan --jobs %d --threads 1" % j, ["--jobs", str(j), "--threads", "1"]))
    plain = {k: v for k, v in os.environ.items() if k != "DELTAQ_DEBUG"}
    debug = dict(plain, DELTAQ_DEBUG="jobs")
    res = {name: {"wall": [], "cpu": [], "bytes": [], "startup_max": [], "startup_total": [],
                  "workers": 0} for name, _ in cmds}
    for name, extra in cmds:  # warm-up and check of each command
        out = subprocess.run([a.deltaq, "scan", "-o", "ndjson"] + extra + [table],
                             capture_output=True, text=True)
        if out.returncode != 0 or len(out.stdout.splitlines()) != facts["partitions"]:
            raise SystemExit("bench: %s failed" % name)
    refs = {"ref1": [], "ref2": []}
    # The floor under a worker's start: a trivial dynamically linked program (`true`), and
    # a deltaq worker with nothing to do (its stdin at EOF: exec, dynamic linking, the
    # table opened, the hello written, exit), both spawned and waited for the same way.
    true_bin = shutil.which("true") or "/bin/true"
    idle = [os.path.realpath(a.deltaq), "__worker", "--kind", "scan", "--table", table,
            "--threads", "1", "--parent-pid", str(os.getpid())]
    floor = {"true": [], "worker": []}
    for _ in range(a.reps):
        refs["ref1"].append(run_ref(ref, [os.path.join(a.work, "items.ndjson")]))
        refs["ref2"].append(run_ref(ref, halves))
        floor["true"] += spawn_ms([true_bin], 10)
        floor["worker"] += spawn_ms(idle, 10)
        for name, extra in cmds:
            argv = [a.deltaq, "scan", "-o", "ndjson"] + extra + [table]
            wall, cpu, nbytes, _ = run(argv, plain)
            r = res[name]
            r["wall"].append(wall)
            r["cpu"].append(cpu)
            r["bytes"].append(nbytes)
            if not extra:
                continue
            err = run(argv, debug)[3]
            m = re.search(r"jobs: (\d+) workers started .* start-up ([0-9.]+) ms total, "
                          r"([0-9.]+) ms max", err)
            if not m:
                raise SystemExit("bench: no DELTAQ_DEBUG=jobs summary from %s" % name)
            r["workers"] = int(m.group(1))
            r["startup_total"].append(float(m.group(2)) / 1e3)
            r["startup_max"].append(float(m.group(3)) / 1e3)

    cpus = len(os.sched_getaffinity(0))
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = -1
    print("scan workload: %d partitions x 4 files (%d files, %d rows, %.1f MB of Parquet); "
          "%d CPUs, load %.1f; %d rounds" % (facts["partitions"], facts["files"], facts["rows"],
                                             facts["bytes"] / 1e6, cpus, load, a.reps))
    hdr = "%-28s %9s %9s %9s %10s %8s %12s" % ("command", "min s", "median s", "cpu s",
                                              "read KB", "workers", "start-up %")
    print(hdr)
    print("-" * len(hdr))
    out = {}
    for name, _ in cmds:
        r = res[name]
        su = ""
        if r["startup_max"]:
            # the slowest worker's start-up as a share of the round's plain wall time, median
            su = "%.1f" % (100 * statistics.median(m / w for m, w in zip(r["startup_max"], r["wall"])))
        print("%-28s %9.3f %9.3f %9.3f %10.0f %8s %12s" % (
            name, min(r["wall"]), statistics.median(r["wall"]), statistics.median(r["cpu"]),
            statistics.median(r["bytes"]) / 1024, r["workers"] or "-", su))
        out[name] = {"wall_min_s": min(r["wall"]), "wall_median_s": statistics.median(r["wall"]),
                     "cpu_median_s": statistics.median(r["cpu"]),
                     "bytes_read_median": statistics.median(r["bytes"]),
                     "workers": r["workers"],
                     "startup_max_median_s": statistics.median(r["startup_max"]) if r["startup_max"] else None,
                     "startup_total_median_s": statistics.median(r["startup_total"]) if r["startup_total"] else None}
    for suffix in ("", " --threads 1"):
        j1 = min(res["scan --jobs 1" + suffix]["wall"])
        j2 = min(res["scan --jobs 2" + suffix]["wall"])
        print("speed-up --jobs 2 over --jobs 1%s (min wall): %.2fx (target >= 1.6x on 2 cores)"
              % (suffix, j1 / j2))
        out["speedup_jobs2" + suffix.replace(" ", "_")] = j1 / j2
    r1, r2 = min(refs["ref1"]), min(refs["ref2"])
    print("reference: the same items in 1 vs 2 `scan --partition -` processes side by side: "
          "%.1f vs %.1f ms, %.2fx (this machine's ceiling for the speed-up)" % (r1 * 1e3, r2 * 1e3, r1 / r2))
    out["reference_1_process_min_s"] = r1
    out["reference_2_processes_min_s"] = r2
    out["reference_speedup"] = r1 / r2
    ft, fw = min(floor["true"]), min(floor["worker"])
    j2 = min(res["scan --jobs 2"]["wall"]) * 1e3
    print("floor: `%s` runs (spawn to exit, spawned from this script, which adds a few tens of "
          "us) in %.2f ms here, an idle deltaq worker in %.2f ms; `true` alone is %.1f%% of the "
          "--jobs 2 wall" % (true_bin, ft, fw, 100 * ft / j2))
    out["floor_true_spawn_to_exit_min_s"] = ft / 1e3
    out["floor_idle_worker_spawn_to_exit_min_s"] = fw / 1e3
    if a.results:
        with open(a.results, "w") as f:
            json.dump({"cpus": cpus, "load": load, "reps": a.reps, "facts": facts, "results": out},
                      f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
