#!/usr/bin/env python3
"""make_check_table.py DIR - writes the clean table tests/t5000-check.bats breaks one rule
at a time.  Standard library only; real Parquet data files (parquet_writer.py), so
`check --deep` has footers to read.

The table (protocol 3/7 with deletionVectors, partitioned by integer `p`):
  v0  protocol, metaData
  v1  add p=1/f1.parquet (3 rows)
  v2  add p=2/f2.parquet (5 rows) with a deletion vector (rows {0, 4}, cardinality 2)
      in dv/deletion_vector_<uuid>.bin at offset 1
  a UUID-named JSON checkpoint at v2, _last_checkpoint naming it, 00000000000000000002.crc
Prints nothing; `deltaq check DIR` finds nothing in it.
"""
import json
import os
import struct
import sys
import uuid
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
import parquet_writer  # noqa: E402

Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
DV_UUID = uuid.UUID("61d16c75-6994-46b7-a15b-8b538852e50e")
CKPT_UUID = "80a083e8-7026-4e79-81be-64bd76c43a11"


def z85(b):
    out = ""
    for i in range(0, len(b), 4):
        v = int.from_bytes(b[i:i + 4], "big")
        s = ""
        for _ in range(5):
            s = Z85[v % 85] + s
            v //= 85
        out += s
    return out


def payload(values):
    """magic + one bucket + a 32-bit Roaring bitmap with one array container."""
    p = struct.pack("<IQI", 1681511377, 1, 0)
    p += struct.pack("<II", 12346, 1)
    p += struct.pack("<HH", 0, len(values) - 1)
    p += struct.pack("<I", 16)
    p += b"".join(struct.pack("<H", v) for v in values)
    return p


def main(d):
    log = os.path.join(d, "_delta_log")
    os.makedirs(log, exist_ok=True)
    for sub in ("p=1", "p=2", "dv"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    parquet_writer.write(os.path.join(d, "p=1", "f1.parquet"), 3)
    parquet_writer.write(os.path.join(d, "p=2", "f2.parquet"), 5)
    s1 = os.path.getsize(os.path.join(d, "p=1", "f1.parquet"))
    s2 = os.path.getsize(os.path.join(d, "p=2", "f2.parquet"))
    pl = payload([0, 4])
    with open(os.path.join(d, "dv", "deletion_vector_%s.bin" % DV_UUID), "wb") as f:
        f.write(b"\x01" + struct.pack(">I", len(pl)) + pl + struct.pack(">I", zlib.crc32(pl)))
    dv = {"storageType": "u", "pathOrInlineDv": "dv" + z85(DV_UUID.bytes), "offset": 1,
          "sizeInBytes": len(pl), "cardinality": 2}
    schema = {"type": "struct", "fields": [
        {"name": "id", "type": "long", "nullable": True, "metadata": {}},
        {"name": "p", "type": "integer", "nullable": True, "metadata": {}}]}
    protocol = {"minReaderVersion": 3, "minWriterVersion": 7,
                "readerFeatures": ["deletionVectors"], "writerFeatures": ["deletionVectors"]}
    metadata = {"id": "check-table", "format": {"provider": "parquet", "options": {}},
                "schemaString": json.dumps(schema, separators=(",", ":")),
                "partitionColumns": ["p"], "configuration": {}, "createdTime": 1704067200000}
    add1 = {"path": "p=1/f1.parquet", "partitionValues": {"p": "1"}, "size": s1,
            "modificationTime": 1704067200000, "dataChange": True,
            "stats": json.dumps({"numRecords": 3})}
    add2 = {"path": "p=2/f2.parquet", "partitionValues": {"p": "2"}, "size": s2,
            "modificationTime": 1704067200000, "dataChange": True,
            "stats": json.dumps({"numRecords": 5}), "deletionVector": dv}
    ci = {"commitInfo": {"timestamp": 1704067200000, "operation": "WRITE"}}

    def write(name, actions):
        with open(os.path.join(log, name), "w") as f:
            for a in actions:
                f.write(json.dumps(a, separators=(",", ":")) + "\n")

    write("%020d.json" % 0, [ci, {"protocol": protocol}, {"metaData": metadata}])
    write("%020d.json" % 1, [ci, {"add": add1}])
    write("%020d.json" % 2, [ci, {"add": add2}])
    ckpt = [{"checkpointMetadata": {"version": 2}}, {"protocol": protocol},
            {"metaData": metadata}, {"add": add1}, {"add": add2}]
    write("%020d.checkpoint.%s.json" % (2, CKPT_UUID), ckpt)
    with open(os.path.join(log, "_last_checkpoint"), "w") as f:
        json.dump({"version": 2, "size": len(ckpt), "numOfAddFiles": 2}, f)
    with open(os.path.join(log, "%020d.crc" % 2), "w") as f:
        json.dump({"tableSizeBytes": s1 + s2, "numFiles": 2, "numMetadata": 1, "numProtocol": 1,
                   "protocol": protocol, "metadata": metadata}, f)


if __name__ == "__main__":
    main(sys.argv[1])
