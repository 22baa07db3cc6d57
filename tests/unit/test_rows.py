"""Row shaping per DESIGN.md: each call type field by field, then the rules one at a time."""

import pytest

from core.rows import Invalid, derived_id, shape
from tests.helpers import NOW

CONTEXT = {"ip": "8.8.8.8", "library": {"name": "analytics.js", "version": "2.11.1"}, "page": {"url": "https://x.io/a"}}
TIMES = {
    "originalTimestamp": "2015-02-23T22:28:55.111Z",
    "sentAt": "2015-02-23T22:28:55.211Z",
    "receivedAt": "2015-02-23T22:28:56.000Z",
}


def test_track_row():
    message = {
        "type": "track", "event": "Order Completed", "userId": "u1", "anonymousId": "a1", "messageId": "m-1",
        "properties": {"revenue": 39.95, "products": [{"sku": "A"}], "tags": ["x", "y"], "coupon": None},
        "context": CONTEXT, "integrations": {"All": True}, "_metadata": {"bundled": []}, "writeKey": "wk",
        "timestamp": "2015-02-23T23:28:55+01:00", **TIMES,
    }
    assert shape(message, NOW).row == {
        "method": "track", "actor": "u1", "event": "Order Completed", "userId": "u1", "anonymousId": "a1",
        "messageId": "m-1", "properties.revenue": 39.95, "properties.products": '[{"sku":"A"}]',
        "properties.tags": ["x", "y"], "properties.coupon": None, "context.ip": "8.8.8.8",
        "context.library.name": "analytics.js", "context.library.version": "2.11.1",
        "context.page.url": "https://x.io/a", "timestamp": "2015-02-23T22:28:55.000Z",
        "originalTimestamp": "2015-02-23T22:28:55.111Z", "sentAt": "2015-02-23T22:28:55.211Z",
        "receivedAt": "2015-02-23T22:28:56.000Z",
    }


def test_page_row_without_timestamp_is_corrected_for_clock_skew():
    # GIVEN no timestamp: timestamp = receivedAt - (sentAt - originalTimestamp) = 56.000 - 0.100
    message = {"type": "page", "name": "Home", "anonymousId": "a1", "messageId": "m-2",
               "properties": {"path": "/", "title": "Home"}, **TIMES}
    assert shape(message, NOW).row == {
        "method": "page", "actor": "a1", "name": "Home", "anonymousId": "a1", "messageId": "m-2",
        "properties.path": "/", "properties.title": "Home", "originalTimestamp": "2015-02-23T22:28:55.111Z",
        "sentAt": "2015-02-23T22:28:55.211Z", "receivedAt": "2015-02-23T22:28:56.000Z",
        "timestamp": "2015-02-23T22:28:55.900Z",
    }


def test_screen_row_stamped_with_arrival_time():
    message = {"type": "screen", "name": "Settings", "userId": 42, "messageId": "m-3", "properties": {"v": 2}}
    assert shape(message, NOW).row == {
        "method": "screen", "actor": "42", "name": "Settings", "userId": "42", "messageId": "m-3",
        "properties.v": 2, "receivedAt": "2026-12-04T20:03:30.295Z", "timestamp": "2026-12-04T20:03:30.295Z",
    }


def test_identify_row_keeps_personas_traits():
    message = {
        "type": "identify", "userId": "u1", "messageId": "m-4", "receivedAt": "2026-12-04T19:00:00Z",
        "traits": {"email": "a@b.co", "order_completed_last_30days": True, "address": {"city": "Oslo"}},
        "context": {"personas": {"computation_class": "audience", "space_id": "spa_1"}},
    }
    assert shape(message, NOW).row == {
        "method": "identify", "actor": "u1", "userId": "u1", "messageId": "m-4",
        "receivedAt": "2026-12-04T19:00:00.000Z", "traits.email": "a@b.co",
        "traits.order_completed_last_30days": True, "traits.address.city": "Oslo",
        "context.personas.computation_class": "audience", "context.personas.space_id": "spa_1",
        "timestamp": "2026-12-04T19:00:00.000Z",
    }


def test_group_row():
    message = {"type": "group", "groupId": 7, "userId": "u1", "messageId": "m-5", "traits": {"plan": "pro"},
               "timestamp": "2026-12-04T10:00:00.5Z"}
    assert shape(message, NOW).row == {
        "method": "group", "actor": "u1", "groupId": "7", "userId": "u1", "messageId": "m-5",
        "traits.plan": "pro", "timestamp": "2026-12-04T10:00:00.500Z", "receivedAt": "2026-12-04T20:03:30.295Z",
    }


def test_alias_row():
    message = {"type": "alias", "previousId": "a1", "userId": "u1", "messageId": "m-6"}
    assert shape(message, NOW).row == {
        "method": "alias", "actor": "u1", "previousId": "a1", "userId": "u1", "messageId": "m-6",
        "receivedAt": "2026-12-04T20:03:30.295Z", "timestamp": "2026-12-04T20:03:30.295Z",
    }


def test_hour_partition_comes_from_received_at():
    shaped = shape({"type": "track", "event": "e", "userId": "u", "receivedAt": "2026-01-02T03:59:59+01:00"}, NOW)
    assert shaped.hour == "2026/01/02/02"


def test_nesting_deeper_than_eight_levels_becomes_json_text():
    deep = {"l2": {"l3": {"l4": {"l5": {"l6": {"l7": {"l8": {"l9": {"l10": 1}}}}}}}}}
    row = shape({"type": "track", "event": "e", "userId": "u", "properties": deep}, NOW).row
    assert row["properties.l2.l3.l4.l5.l6.l7.l8"] == '{"l9":{"l10":1}}'
    assert not any(name.count(".") > 7 for name in row)


def test_column_names_are_ascii():
    properties = {"café": 1, "価格": 2, "a\nb": 3}
    row = shape({"type": "track", "event": "e", "userId": "u", "properties": properties}, NOW).row
    assert row["properties.cafe"] == 1
    assert row["properties.u4fa1u683c"] == 2
    assert row["properties.au000ab"] == 3
    assert all(name.isascii() and name.isprintable() for name in row)


def test_arrays_holding_arrays_become_json_text():
    properties = {"m": [[1, 2]], "s": [1, "a", True]}
    row = shape({"type": "track", "event": "e", "userId": "u", "properties": properties}, NOW).row
    assert row["properties.m"] == "[[1,2]]"
    assert row["properties.s"] == [1, "a", True]


def test_write_key_integrations_and_metadata_never_reach_the_row():
    row = shape({"type": "identify", "userId": "u", "writeKey": "secret", "integrations": {"x": 1},
                 "_metadata": {"y": 1}}, NOW).row
    assert not {"writeKey", "integrations.x", "_metadata.y", "type"} & set(row)


def test_stray_method_or_actor_fields_do_not_override():
    row = shape({"type": "track", "event": "e", "userId": "u", "method": "x", "actor": "y"}, NOW).row
    assert (row["method"], row["actor"]) == ("track", "u")


def test_derived_message_id_is_deterministic_and_ignores_write_key():
    message = {"type": "track", "event": "e", "userId": "u"}
    first = shape(message, NOW).row["messageId"]
    assert first == shape({**message, "writeKey": "k"}, NOW).row["messageId"] == derived_id(message)
    assert first != shape({**message, "event": "f"}, NOW).row["messageId"]


def test_delete_notice_is_shaped_with_its_method():
    row = shape({"type": "delete", "userId": "u1", "messageId": "d-1"}, NOW).row
    assert (row["method"], row["actor"], row["messageId"]) == ("delete", "u1", "d-1")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ([], "message must be a JSON object"),
        ({"event": "e", "userId": "u"}, "type is missing"),
        ({"type": "__proto__", "userId": "u"}, 'type "__proto__" is not one of'),
        ({"type": "track", "userId": "u"}, "track needs event"),
        ({"type": "track", "event": 42, "userId": "u"}, "track needs event"),
        ({"type": "track", "event": "e"}, "userId or anonymousId is required"),
        ({"type": "track", "event": "e", "userId": {}}, "userId must be a string"),
        ({"type": "track", "event": "e", "userId": True}, "userId must be a string"),
        ({"type": "identify", "userId": "  "}, "userId or anonymousId is required"),
        ({"type": "group", "userId": "u"}, "group needs groupId"),
        ({"type": "alias", "userId": "u"}, "alias needs userId and previousId"),
        ({"type": "delete", "anonymousId": "a"}, "delete needs userId"),
        ({"type": "track", "event": "e", "userId": "u", "properties": []}, "properties must be a JSON object"),
        ({"type": "identify", "userId": "u", "traits": "x"}, "traits must be a JSON object"),
        ({"type": "track", "event": "e", "userId": "u", "timestamp": "yesterday"}, "timestamp 'yesterday' is not"),
        ({"type": "track", "event": "e", "userId": "u", "sentAt": 1700000000}, "sentAt must be an ISO-8601"),
        ({"type": "track", "event": "e", "userId": "u", "messageId": "a\x00b"}, "messageId must be a printable"),
        ({"type": "track", "event": "e", "userId": "u", "messageId": "x" * 10_000}, "messageId must be"),
        ({"type": "track", "event": "e", "userId": "u", "messageId": 5}, "messageId must be"),
        ({"type": "track", "event": "e", "userId": "u", "properties": {str(i): i for i in range(2000)}},
         "message has 2007 columns once flattened; at most 2000"),
    ],
)
def test_invalid_messages_carry_a_reason(message, reason):
    with pytest.raises(Invalid) as caught:
        shape(message, NOW)
    assert caught.value.reason.startswith(reason)
