#!/usr/bin/env python3
"""Unit tests of check_corpus.py's dispute rule, on small tables written to a temp dir.

The corpus decides which tables are disputed; these tests make sure the rule itself
(replay of JSON commits against a checkpoint's protocol/metaData) fires when it should
and stays quiet otherwise, with or without the corpus.  Standard library only.
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_corpus as cc  # noqa: E402

SCHEMA = {"type": "struct", "fields": [
    {"name": "a", "type": "long", "nullable": True, "metadata": {}}]}
PROTOCOL = {"minReaderVersion": 3, "minWriterVersion": 7,
            "readerFeatures": ["timestampNtz"], "writerFeatures": ["timestampNtz"]}


def metadata(**over):
    m = {"id": "id-1", "format": {"provider": "parquet", "options": {}},
         "schemaString": json.dumps(SCHEMA), "partitionColumns": [],
         "configuration": {"delta.checkpointInterval": "1"}, "createdTime": 1}
    m.update(over)
    return m


class Table:
    def __init__(self, name, path):
        self.name, self.path, self.expect = name, path, {"check": "ok"}


class DisputeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.log = os.path.join(self.tmp.name, "_delta_log")
        os.mkdir(self.log)
        self.table = Table("t", self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, *actions):
        with open(os.path.join(self.log, name), "w") as fh:
            for a in actions:
                fh.write(json.dumps(a) + "\n")

    def commits(self):
        self.write("00000000000000000000.json", {"commitInfo": {}}, {"protocol": PROTOCOL},
                   {"metaData": metadata()})
        self.write("00000000000000000001.json", {"add": {"path": "x", "size": 1}})

    def parquet(self, protocol, meta, files=None):
        name = "00000000000000000001.checkpoint.parquet"
        self.write(name)        # only listed; its content comes from the oracle
        m = {k: meta[k] for k in ("id", "schemaString", "partitionColumns", "configuration")}
        return {"t": {"1": {"files": files or [name], "protocol": protocol, "metaData": m}}}

    def test_agreeing_parquet_checkpoint(self):
        self.commits()
        # Same schema serialised differently, features reordered, null partitionColumns.
        schema = json.dumps(SCHEMA, indent=2)
        p = dict(PROTOCOL, readerFeatures=["timestampNtz"], writerFeatures=["timestampNtz"])
        oracle = self.parquet(p, metadata(schemaString=schema, partitionColumns=None))
        disputed, notes = cc.dispute(self.table, oracle)
        self.assertIsNone(disputed)
        self.assertIn("checkpoint 1 agrees with the JSON commits", notes)

    def test_other_id_schema_and_configuration(self):
        self.commits()
        schema = dict(SCHEMA, fields=SCHEMA["fields"] + [
            {"name": "missing", "type": "long", "nullable": True, "metadata": {}}])
        oracle = self.parquet(PROTOCOL, metadata(id="id-2", schemaString=json.dumps(schema),
                                                 configuration=None))
        disputed, _ = cc.dispute(self.table, oracle)
        self.assertIn("checkpoint at version 1", disputed)
        self.assertIn("(metaData.id, metaData.schemaString, metaData.configuration, "
                      "per DuckDB's reading)", disputed)

    def test_protocol_difference(self):
        self.commits()
        oracle = self.parquet(dict(PROTOCOL, writerFeatures=[]), metadata())
        disputed, _ = cc.dispute(self.table, oracle)
        self.assertIn("(protocol.writerFeatures, per DuckDB's reading)", disputed)

    def test_absent_configuration_equals_empty(self):
        self.write("00000000000000000000.json", {"protocol": PROTOCOL},
                   {"metaData": metadata(configuration={})})
        self.write("00000000000000000001.json", {"add": {"path": "x", "size": 1}})
        m = metadata()
        del m["configuration"]
        oracle = self.parquet(PROTOCOL, dict(m, configuration=None))
        self.assertIsNone(cc.dispute(self.table, oracle)[0])

    def test_missing_commit_is_not_compared(self):
        self.commits()
        os.remove(os.path.join(self.log, "00000000000000000000.json"))
        disputed, notes = cc.dispute(self.table, self.parquet(PROTOCOL, metadata(id="x")))
        self.assertIsNone(disputed)
        self.assertTrue(any("not all present" in n for n in notes))

    def test_checkpoint_not_in_oracle_is_not_compared(self):
        self.commits()
        oracle = self.parquet(PROTOCOL, metadata(id="x"))
        for o in ({}, {"t": {}},
                  self.parquet(PROTOCOL, metadata(id="x"), files=["other.parquet"])):
            disputed, notes = cc.dispute(self.table, o)
            self.assertIsNone(disputed)
            self.assertTrue(any("not in checkpoint_oracle.json" in n for n in notes))
        self.assertIsNotNone(cc.dispute(self.table, oracle)[0])

    def test_json_v2_checkpoint_read_directly(self):
        self.commits()
        name = "00000000000000000001.checkpoint.0e42c15b-17cc-4918-990d-2ff76e918e4d.json"
        self.write(name, {"checkpointMetadata": {"version": 1}}, {"protocol": PROTOCOL},
                   {"metaData": metadata(partitionColumns=["a"])})
        disputed, _ = cc.dispute(self.table, {})
        self.assertIn("(metaData.partitionColumns, per the checkpoint's JSON)", disputed)

    def test_sidecars_and_crc_are_not_checkpoints(self):
        self.commits()
        os.mkdir(os.path.join(self.log, "_sidecars"))
        self.write("_sidecars/00000000000000000001.checkpoint.0000000001.0000000001."
                   "3dc9b82a-1fc9-4fc2-9d64-35d3d9d9c7e9.parquet")
        self.write(".00000000000000000001.checkpoint.parquet.crc")
        self.assertEqual(cc.dispute(self.table, {}), (None, []))

    def test_has_dq110(self):
        self.assertTrue(cc.has_dq110(json.dumps(
            {"findings": [{"rule": "DQ110", "severity": "error"}]})))
        self.assertFalse(cc.has_dq110(json.dumps(
            {"findings": [{"rule": "DQ110", "severity": "warning"}]})))
        self.assertFalse(cc.has_dq110("not json"))


if __name__ == "__main__":
    unittest.main()
