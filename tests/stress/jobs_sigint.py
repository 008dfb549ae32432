#!/usr/bin/env python3
"""jobs_sigint.py - the --jobs SIGINT stress loop (research/fork.md 4d, X2).

Runs `deltaq scan --jobs 4` over a 48-partition table (fixtures/scan_table.py, written to a
temp dir) again and again, each run in its own session.  Three runs in four get SIGINT after
a random 0-25 ms, i.e. while the log is replayed, while workers start, while they scan, or
after the run ended.  This process is a child subreaper (PR_SET_CHILD_SUBREAPER), so a
worker orphaned by its supervisor would be re-parented here and seen.  After each run:
    - the exit status is 0 (finished) or death by SIGINT (interrupted), nothing else;
    - no process of the run's session remains, and no zombie is left for us to reap.
Stops after --runs runs or when --budget seconds are used up, whichever comes first; the
runs done are the sample, and fewer than --min-runs is a failure.  Prints
    N runs: I interrupted, F finished, L with leftovers
and exits 1 on any leftover or unexpected status.
"""
import argparse
import ctypes
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

PR_SET_CHILD_SUBREAPER = 36


def session_members(sid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        state, ppid, session = fields[0], int(fields[1]), int(fields[3])
        if session == sid or (ppid == os.getpid() and state == "Z"):
            out.append((int(d), state, st[:80].strip()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltaq", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--budget", type=float, default=45.0)
    ap.add_argument("--min-runs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("cannot become a child subreaper", file=sys.stderr)
        return 1
    seed = a.seed if a.seed is not None else int(time.time())
    rng = random.Random(seed)
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        table = os.path.join(tmp, "t")
        subprocess.run([sys.executable, os.path.join(here, "..", "fixtures", "scan_table.py"),
                        table, "--partitions", "48", "--files", "3"], check=True,
                       stdout=subprocess.DEVNULL)
        start = time.monotonic()
        runs = interrupted = finished = leftovers = bad = 0
        while runs < a.runs and time.monotonic() - start < a.budget:
            p = subprocess.Popen([a.deltaq, "scan", "--jobs", "4", "-o", "ndjson", table],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
            if rng.random() < 0.75:
                time.sleep(rng.uniform(0, 0.025))
                try:
                    p.send_signal(signal.SIGINT)
                except ProcessLookupError:
                    pass
            try:
                rc = p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
                print("run %d: supervisor hung; killed" % runs, file=sys.stderr)
                bad += 1
            runs += 1
            if rc == -signal.SIGINT:
                interrupted += 1
            elif rc == 0:
                finished += 1
            else:
                bad += 1
                print("run %d: unexpected exit status %d" % (runs, rc), file=sys.stderr)
            left = session_members(p.pid)
            if left:
                leftovers += 1
                print("run %d (seed %d): left behind %s" % (runs, seed, left), file=sys.stderr)
                for pid, _, _ in left:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            # Reap whatever was re-parented to us, so the next run starts clean.
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
    print("%d runs: %d interrupted, %d finished, %d with leftovers" %
          (runs, interrupted, finished, leftovers))
    if runs < a.min_runs:
        print("only %d runs in %.0f s (at least %d wanted)" % (runs, a.budget, a.min_runs),
              file=sys.stderr)
        return 1
    return 1 if leftovers or bad else 0


if __name__ == "__main__":
    sys.exit(main())
