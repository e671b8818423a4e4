"""listJobEvents' payload: the events as stored, in CloudStack's list shape, from which a reader recomputes every
hash (the console does it in the browser; here the same recomputation in Python, over the rendered JSON)."""
from __future__ import annotations

import json

from lxml import etree

from chalicelib.cloudstack import wire
from chalicelib.commands.timeline import EVENT_FIELDS, timeline_payload
from chalicelib.core.events import GENESIS, Event, chained, content_hash


def stream() -> list[Event]:
    raw = [Event("job#7", 1, "JobSubmitted", {"jobid": "7", "params": {"tags[0].key": "é", "n": 1.0}},
                 "2026-11-27T11:07:57.123Z", {"accountid": "2", "userid": "2", "domainid": "1"}),
           Event("job#7", 2, "JobStarted", {"attempt": 1}, "2026-11-27T11:07:58.000Z", {"worker": "vm"}),
           Event("job#7", 3, "JobFailed", {"code": 551, "text": "not enough <capacity> & \"more\""},
                 "2026-11-27T11:07:59.000Z", {"worker": "vm", "attempt": "1"})]
    return chained(None, raw)


def test_the_payload_is_a_cloudstack_list_of_every_stored_field_in_order():
    payload = timeline_payload(stream(), "json")
    assert list(payload) == ["count", "event"] and payload["count"] == 3
    assert [tuple(item) for item in payload["event"]] == [EVENT_FIELDS] * 3
    assert payload["event"][2]["data"] == {"code": 551, "text": "not enough <capacity> & \"more\""}


def test_a_reader_recomputes_every_link_from_the_rendered_json():
    events = stream()
    body = json.loads(wire.render("listjobeventsresponse", timeline_payload(events, "json"), "json", "3.0.1.6").body)
    previous = GENESIS
    for item in body["listjobeventsresponse"]["event"]:
        fields = {k: item[k] for k in EVENT_FIELDS if k != "hash"}
        assert content_hash(Event(**fields), previous) == item["hash"]
        previous = item["hash"]


def test_xml_carries_actor_and_data_as_the_canonical_json_the_hash_covers():
    events = stream()
    body = wire.render("listjobeventsresponse", timeline_payload(events, "xml"), "xml", "3.0.1.6").body
    root = etree.fromstring(body.encode("utf-8"))
    assert root.findtext("count") == "3"
    first = root.findall("event")[0]
    data = first.findtext("data")
    assert data == json.dumps(events[0].data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert json.loads(data)["params"]["tags[0].key"] == "é"  # a key no XML element name could carry
    assert first.findtext("hash") == events[0].hash


def test_a_changed_event_no_longer_matches_its_hash():
    events = stream()
    edited = Event(**{**events[1].__dict__, "data": {"attempt": 2}})
    assert content_hash(edited, events[0].hash) != events[1].hash
