"""What a signature binds: names from CloudStack's alphabet, once each; bounded `expires`; clean echoes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.cloudstack import signing
from chalicelib.cloudstack.request import build_request, check_names
from chalicelib.core.errors import ApiError, echo

NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.[]"
names = st.text(alphabet=NAME_CHARS, min_size=1, max_size=12)
values = st.text(max_size=12)


def refused(pairs: list[tuple[str, str]]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        check_names(build_request(pairs))
    return caught.value


def test_a_name_carrying_equals_and_ampersand_signs_like_two_parameters_and_is_refused():
    honest = [("command", "listVirtualMachines"), ("response", "json"), ("signatureVersion", "3")]
    smuggled = [("command", "listVirtualMachines"), ("response=json&signatureVersion", "3")]
    assert signing.string_to_sign(honest) == signing.string_to_sign(smuggled)  # the hole, as CloudStack has it
    error = refused(smuggled)
    assert error.code == 431 and "invalid parameter name" in error.text
    check_names(build_request(honest))  # the honest request passes


def test_the_same_name_twice_in_any_case_is_refused_and_named():
    first = [("Command", "listVirtualMachines"), ("command", "destroyVirtualMachine"), ("id", "100")]
    second = [("command", "destroyVirtualMachine"), ("Command", "listVirtualMachines"), ("id", "100")]
    assert signing.string_to_sign(first) == signing.string_to_sign(second)
    for pairs in (first, second):
        error = refused(pairs)
        assert error.code == 431 and "parameter command is given more than once" in error.text


@pytest.mark.parametrize("name", ["tags[0].key", "details[0].cpuNumber", "iptonetworklist[0].ip", "_", "zoneId"])
def test_cloudstack_map_parameter_names_are_accepted(name):
    check_names(build_request([("command", "deployVirtualMachine"), (name, "v")]))


@pytest.mark.parametrize("name", ["", "a b", "a=b", "a&b", "a%3Db", "zoneid\r\n", "ü", "a-b", "x" * 101])
def test_names_outside_the_alphabet_are_refused(name):
    assert refused([("command", "listZones"), (name, "1")]).code == 431


def parse_canonical(text: str) -> list[tuple[str, str]]:
    """The string to sign read back: possible because names hold no `=`/`&` and values are encoded."""
    return [tuple(part.split("=", 1)) for part in text.split("&")] if text else []  # type: ignore[misc]


@given(st.dictionaries(names, values, max_size=8))
def test_the_string_to_sign_determines_the_request_law(params):
    """For every request check_names accepts, the canonical string has a left inverse: it names each parameter
    and its (lowercased, encoded) value exactly once, so no other accepted request signs alike."""
    pairs = list({k.lower(): (k, v) for k, v in params.items()}.values())
    check_names(build_request(pairs))
    expected = sorted((k.lower(), signing.encode(v).lower()) for k, v in pairs if k.lower() != "signature")
    assert sorted(parse_canonical(signing.string_to_sign(pairs))) == expected


def v3(expires: datetime) -> list[tuple[str, str]]:
    return [("command", "listZones"), ("signatureVersion", "3"), ("expires", expires.strftime("%Y-%m-%dT%H:%M:%S%z"))]


def test_expires_further_ahead_than_the_maximum_is_refused():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert not signing.expired(v3(now + timedelta(minutes=10)), now)
    assert not signing.expired(v3(now + timedelta(minutes=59)), now)
    assert signing.expired(v3(now + timedelta(hours=2)), now)
    assert signing.expired(v3(now + timedelta(days=3650)), now)
    assert not signing.expired(v3(now + timedelta(hours=2)), now, max_ahead=timedelta(hours=3))


def test_echoes_drop_control_and_format_characters_and_are_bounded():
    assert echo("listZones\r\nx-injected: 1") == "listZonesx-injected: 1"
    assert echo("a\u202eb\x00c") == "abc"
    long = echo("x" * 60_000)
    assert len(long) == 65 and long.endswith("…")
