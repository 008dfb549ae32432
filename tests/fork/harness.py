#!/usr/bin/env python3
"""Fork safety from Python: libdeltaq.so through ctypes, under multiprocessing.

The shape of delta-rs's test for the same bug (delta-io/delta-rs#2765): a task calls
itself through ProcessPoolExecutor(max_workers=1, mp_context=<start method>) down to
--depth levels.  At every level the task

  1. uses the handle its process inherited, if any: dq_snapshot_open on it must fail
     with DQ_EFORKED and the documented message naming the parent's pid, and
     dq_table_close on it must return (it leaks).  Only the "fork" start method passes
     a handle down; "spawn" and "forkserver" start clean processes;
  2. opens a new handle (pool of 4 threads), replays the table and compares the answer
     with --expect (from the fixture's facts or the corpus' expectation file);
  3. keeps that handle's pool busy from a Python thread (ctypes releases the GIL) while
     it starts the next level, so with "fork" the child is made while the pool works.

The top prints one line per level and exits 0 only when every level got the right
answer or the documented error.  Every child sets alarm(): a level that hangs (in a
deltaq call, where no Python signal handler can run) is killed by SIGALRM, its
executor reports a broken pool, and the test fails instead of waiting; run.py also runs
the whole harness under a timeout.  Python standard library only.

usage: harness.py --lib build/libdeltaq.so --header lib/deltaq.h --method fork
                  --depth 5 --table DIR --expect VERSION,FILES,BYTES,RECORDS
"""
import argparse
import ctypes
import multiprocessing
import os
import re
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor


# These mirror struct dq_error and struct dq_options in lib/deltaq.h, every field: the
# library reads the whole struct it is given.
class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("sys_errno", ctypes.c_int),
                ("msg", ctypes.c_char * 512)]


class Options(ctypes.Structure):
    _fields_ = [("threads", ctypes.c_int), ("ignore_checkpoints", ctypes.c_bool),
                ("max_archive_bytes", ctypes.c_uint64), ("max_page_bytes", ctypes.c_uint64)]


class SnapshotRequest(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int64), ("need", ctypes.c_uint)]


class Totals(ctypes.Structure):
    _fields_ = [("num_files", ctypes.c_int64), ("size_bytes", ctypes.c_int64),
                ("num_records", ctypes.c_int64), ("num_records_exact", ctypes.c_bool)]


# This process's library, and the handle it opened (with the pid that opened it).  A
# child made by fork inherits both; spawn and forkserver children start empty.
_lib = None
_handle = None
_handle_pid = None


def codes(header):
    """enum dq_code from deltaq.h: name -> value, so the harness never hard-codes one."""
    text = open(header).read()
    body = re.search(r"enum dq_code \{(.*?)\};", text, re.S).group(1)
    names = re.findall(r"^\s*(DQ_[A-Z]+)", body, re.M)
    return {n: i for i, n in enumerate(names)}


def need_files(header):
    """DQ_NEED_FILES from deltaq.h (written "1 << N")."""
    m = re.search(r"DQ_NEED_FILES\s*=\s*(\d+)\s*<<\s*(\d+)", open(header).read())
    return int(m.group(1)) << int(m.group(2))


def load(path):
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(path)
        P = ctypes.c_void_p
        lib.dq_table_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(Options),
                                      ctypes.POINTER(P), ctypes.POINTER(Error)]
        lib.dq_table_close.argtypes = [P]
        lib.dq_table_close.restype = None
        lib.dq_snapshot_open.argtypes = [P, ctypes.POINTER(SnapshotRequest),
                                         ctypes.POINTER(P), ctypes.POINTER(Error)]
        lib.dq_snapshot_close.argtypes = [P]
        lib.dq_snapshot_close.restype = None
        lib.dq_snapshot_version.argtypes = [P]
        lib.dq_snapshot_version.restype = ctypes.c_int64
        lib.dq_snapshot_totals.argtypes = [P, ctypes.POINTER(Totals)]
        lib.dq_snapshot_totals.restype = None
        _lib = lib
    return _lib


def replay(lib, handle, need):
    """(rc, message, (version, files, bytes, records or None)) of a latest-version replay."""
    err = Error()
    snap = ctypes.c_void_p()
    req = SnapshotRequest(-1, need)
    rc = lib.dq_snapshot_open(handle, ctypes.byref(req), ctypes.byref(snap), ctypes.byref(err))
    if rc:
        return rc, err.msg.decode(errors="replace"), None
    tot = Totals()
    lib.dq_snapshot_totals(snap, ctypes.byref(tot))
    got = (lib.dq_snapshot_version(snap), tot.num_files, tot.size_bytes, tot.num_records,
           tot.num_records_exact)
    lib.dq_snapshot_close(snap)
    return 0, "", got


def matches(got, expect):
    """A partial record count (not exact) must not exceed the expected one, as in
    tests/conformance/corpus.py."""
    v, files, size, records = expect
    if got is None or got[:3] != (v, files, size):
        return False
    return records < 0 or (got[3] == records if got[4] else got[3] <= records)


def level(cfg, depth, watchdog):
    """One level (see the module docstring) under alarm(watchdog); returns a list of
    per-level result dicts."""
    signal.alarm(watchdog)
    try:
        return run_level(cfg, depth, watchdog)
    finally:
        signal.alarm(0)


def run_level(cfg, depth, watchdog):
    global _handle, _handle_pid
    lib = load(cfg["lib"])
    me = os.getpid()
    res = {"pid": me, "method": cfg["method"], "inherited": "none", "fresh": None}

    if _handle is not None and _handle_pid != me:
        rc, msg, got = replay(lib, _handle, cfg["need"])
        want = ("table handle was opened in process %d before a fork; open a new one in "
                "this process (%d)" % (_handle_pid, me))
        if rc == cfg["EFORKED"] and msg == want:
            res["inherited"] = "DQ_EFORKED"
        else:
            res["inherited"] = "WRONG: rc %d %r %r (wanted DQ_EFORKED %r)" % (rc, msg, got, want)
        lib.dq_table_close(_handle)  # leaks; must return
        _handle = None

    opt = Options(4, False)
    err = Error()
    h = ctypes.c_void_p()
    if lib.dq_table_open(cfg["table"].encode(), ctypes.byref(opt), ctypes.byref(h),
                         ctypes.byref(err)):
        res["fresh"] = "WRONG: open: " + err.msg.decode(errors="replace")
        return [res]
    _handle, _handle_pid = h, me
    rc, msg, got = replay(lib, h, cfg["need"])
    res["fresh"] = "ok" if rc == 0 and matches(got, cfg["expect"]) else \
        "WRONG: rc %d %r got %r, expected %r" % (rc, msg, got, cfg["expect"])
    results = [res]

    if depth > 0:
        # Keep the pool busy while the executor starts (forks) the next level.
        stop = threading.Event()
        bad = []

        def busy():
            while not stop.is_set():
                rc, msg, got = replay(lib, h, cfg["need"])
                if rc or not matches(got, cfg["expect"]):
                    bad.append((rc, msg, got))

        t = threading.Thread(target=busy)
        t.start()
        try:
            ctx = multiprocessing.get_context(cfg["method"])
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as ex:
                results += ex.submit(level, cfg, depth - 1, watchdog - cfg["step"]).result()
        except Exception as e:  # a child killed by its watchdog: BrokenProcessPool
            results.append({"pid": None, "method": cfg["method"],
                            "inherited": "WRONG: child failed: %s: %s" % (type(e).__name__, e),
                            "fresh": None})
        finally:
            stop.set()
            t.join()
        if bad:
            res["fresh"] = "WRONG: %d concurrent parent replays wrong: %r" % (len(bad), bad[0])
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--method", choices=["fork", "spawn", "forkserver"], required=True)
    ap.add_argument("--depth", type=int, default=5)
    ap.add_argument("--table", required=True)
    ap.add_argument("--expect", required=True, help="VERSION,FILES,BYTES,RECORDS (-1: any)")
    ap.add_argument("--watchdog", type=int, default=10, help="seconds per level")
    a = ap.parse_args()
    cfg = {
        "lib": os.path.abspath(a.lib), "method": a.method, "table": os.path.abspath(a.table),
        "expect": tuple(int(x) for x in a.expect.split(",")),
        "EFORKED": codes(a.header)["DQ_EFORKED"], "need": need_files(a.header),
        "step": a.watchdog,
    }
    # The top level's alarm covers every level below it; run.py adds a timeout.
    results = level(cfg, a.depth, a.watchdog * (a.depth + 1))
    ok = len(results) == a.depth + 1
    for i, r in enumerate(results):
        want_inherited = "DQ_EFORKED" if a.method == "fork" and i > 0 else "none"
        good = r["inherited"] == want_inherited and r["fresh"] == "ok"
        ok = ok and good
        print("  %s level %d (pid %s): inherited handle: %s; new handle: %s" % (
            "ok" if good else "FAIL", i, r["pid"], r["inherited"], r["fresh"]))
    print("%s - python %s, depth %d: %s" % (
        "ok" if ok else "not ok", a.method, a.depth,
        "every level got the right answer or the documented error" if ok else
        "%d of %d levels reported" % (len(results), a.depth + 1)))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
