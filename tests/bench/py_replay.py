#!/usr/bin/env python3
"""
py_replay.py - the Python peer of `deltaq info` in the bench: a plain json-module replay
of a JSON-only Delta log.

Reads every _delta_log/NNNNNNNNNNNNNNNNNNNN.json in version order, keeps the newest
add/remove per path, and prints the active files' count, bytes and numRecords as
{"num_files":..,"size_bytes":..,"num_records":..}.  Stats are parsed only for the files
still active at the end.  No checkpoints, no deletion vectors: the bench table has neither.

Usage: py_replay.py TABLE
"""

import json
import os
import re
import sys


def main():
    log = os.path.join(sys.argv[1], "_delta_log")
    commits = sorted(n for n in os.listdir(log) if re.fullmatch(r"\d{20}\.json", n))
    active = {}
    for name in commits:
        with open(os.path.join(log, name), "rb") as f:
            for line in f:
                if not line.strip():
                    continue
                action = json.loads(line)
                add = action.get("add")
                if add is not None:
                    active[add["path"]] = (add["size"], add.get("stats"))
                    continue
                remove = action.get("remove")
                if remove is not None:
                    active.pop(remove["path"], None)
    records = 0
    for size, stats in active.values():
        if stats:
            records += json.loads(stats).get("numRecords", 0)
    print(json.dumps({"num_files": len(active),
                      "size_bytes": sum(size for size, _ in active.values()),
                      "num_records": records}))


if __name__ == "__main__":
    main()
