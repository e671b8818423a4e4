"""Pure rules of volumes, key pairs and tags: shapes, fingerprints, refusals, the writes each change makes."""
from __future__ import annotations

import base64
import struct

from chalicelib.core import effects as fx
from chalicelib.core import keypairs as kp
from chalicelib.core import tags as tg
from chalicelib.core import volume as vols

GB = vols.GB
VM = {"id": "100", "name": "i-2-100-VM", "displayname": "web", "zoneid": "1", "zonename": "San Jose 1",
      "account": "admin", "accountid": "2", "domainid": "1", "domain": "ROOT", "hypervisor": "XenServer",
      "serviceofferingid": "1", "serviceofferingname": "Small Instance", "state": "Running"}
TEMPLATE = {"id": "1", "name": "CentOS", "size": 20 * GB}


def blob(type_: str, body: bytes = b"\x00\x00\x00\x01\x01") -> bytes:
    return struct.pack(">I", len(type_)) + type_.encode() + body


def test_the_fingerprint_is_the_md5_of_the_key_blob_in_colon_hex():
    key = "ssh-rsa " + base64.b64encode(blob("ssh-rsa")).decode() + " me@host"
    parsed = kp.key_blob(key)
    assert parsed is not None and parsed[0] == "ssh-rsa"
    fp = kp.fingerprint(parsed[1])
    assert len(fp) == 47 and fp.count(":") == 15 and fp == fp.lower()


def test_a_public_key_whose_blob_names_another_type_or_is_not_base64_is_refused():
    assert kp.key_blob("ssh-rsa " + base64.b64encode(blob("ssh-dss")).decode()) is None
    assert kp.key_blob("ssh-rsa not*base64") is None
    assert kp.key_blob("rsa " + base64.b64encode(blob("rsa")).decode()) is None
    assert kp.key_blob("ssh-rsa " + "A" * 20000) is None


def test_a_key_pair_name_is_printable_and_bounded():
    assert kp.valid_name("my-key") and not kp.valid_name("") and not kp.valid_name("a\nb")
    assert not kp.valid_name("x" * 256) and not kp.valid_name(" padded")


def test_a_root_volume_takes_its_template_size_and_its_vm():
    root = vols.root_volume("7", VM, TEMPLATE, "2026-01-01T00:00:00.000Z")
    assert (root["type"], root["size"], root["deviceid"], root["virtualmachineid"]) == ("ROOT", 20 * GB, 0, "100")
    view = vols.public_view(root, str, "Running")
    assert list(view)[:5] == ["id", "name", "zoneid", "zonename", "type"] and view["vmstate"] == "Running"
    assert "accountid" not in view


def test_a_new_volume_reserves_its_storage_and_expunging_gives_it_back():
    root = vols.changed(None, vols.root_volume("7", VM, TEMPLATE, "t"))
    made = vols.writes_for([(None, root)], {"1": 100 * GB})
    assert made[0] == fx.ReserveStorage("1", 20 * GB, 100 * GB) and isinstance(made[1], fx.PutVersioned)
    gone = vols.changed(root, dict(root, state="Expunged"))
    assert vols.writes_for([(root, gone)], {}) == [fx.ReleaseStorage("1", 20 * GB), fx.DropVersioned("volume", "7", 1)]


def test_several_volumes_of_a_zone_make_one_storage_write():
    a = vols.changed(None, vols.root_volume("7", VM, TEMPLATE, "t"))
    b = vols.changed(None, dict(a, id="8", type="DATADISK", size=5 * GB))
    writes = vols.writes_for([(None, a), (None, b)], {"1": None})
    assert [w for w in writes if isinstance(w, fx.ReserveStorage)] == [fx.ReserveStorage("1", 25 * GB, None)]


def test_attach_rules_follow_cloudstack():
    data = vols.data_volume("9", "d", VM, {"id": "1", "name": "z"}, {"id": "1", "name": "Small"}, GB, "t")
    assert vols.attach_refusal(data, VM) is None
    assert "DATADISK" in (vols.attach_refusal(dict(data, type="ROOT"), VM) or "")
    assert "running or stopped" in (vols.attach_refusal(data, dict(VM, state="Destroyed")) or "")
    assert "same zone" in (vols.attach_refusal(data, dict(VM, zoneid="2")) or "")
    assert vols.next_device([{"type": "ROOT", "deviceid": 0}, {"type": "DATADISK", "deviceid": 1},
                             {"type": "DATADISK", "deviceid": 2}]) == 4  # 3 is the CD-ROM's


def test_tag_pairs_are_read_in_index_order_and_bounded():
    params = {"tags[1].key": "b", "tags[1].value": "2", "tags[0].key": "a", "tags[0].value": "1"}
    assert tg.map_pairs(params, True) == [("a", "1"), ("b", "2")]
    assert tg.map_pairs({"tags[0].key": "a"}, True) is None
    assert tg.map_pairs({"tags[0].key": "k" * 256, "tags[0].value": "v"}, True) is None
    assert tg.map_pairs({"tags[0].key": "a\x00", "tags[0].value": "v"}, True) is None


def test_create_refuses_a_key_the_resource_has_and_delete_matches_values():
    old = {"tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "a"}], "version": 1}
    assert tg.added(old, [("env", "dev")])[0] is None
    assert tg.removed(old, [("env", "dev")]) == [("env", "prod"), ("team", "a")]
    assert tg.removed(old, [("env", "")]) == [("team", "a")]
    assert tg.removed(old, []) == []


def test_a_zone_of_several_pools_counts_each_volume_in_the_pool_its_id_names():
    a = vols.changed(None, vols.root_volume("7", VM, TEMPLATE, "t"))
    b = vols.changed(None, dict(a, id="8", type="DATADISK", size=5 * GB))
    made = vols.writes_for([(None, a), (None, b)], {"1": 100 * GB}, {"1": 4})
    assert [w for w in made if isinstance(w, fx.ReserveStorage)] == [
        fx.ReserveStorage("1", 5 * GB, 25 * GB, "0"), fx.ReserveStorage("1", 20 * GB, 25 * GB, "3")]
    gone = vols.changed(a, dict(a, state="Expunged"))
    assert vols.writes_for([(a, gone)], {}, {"1": 4})[0] == fx.ReleaseStorage("1", 20 * GB, "3")
    assert fx.storage_id("1", "3") == "1#3" and fx.storage_id("1") == "1"
    assert vols.pools_of({"storagepools": 4}) == 4 and vols.pools_of(None) == 1


def test_a_request_names_key_pairs_by_keypair_or_by_distinct_keypairs():
    assert kp.names({"keypair": "a,b"}) == ["a,b"] and kp.names({"keypairs": " b, a,b ,, "}) == ["b", "a"]
    assert kp.names({}) == [] and kp.named({}) is None and kp.named({"keypairs": "b,a"}) == "b,a"
