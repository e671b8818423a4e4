from __future__ import annotations

import pytest

from chalicelib.cloudstack.request import build_request
from chalicelib.core.errors import ApiError


def test_names_are_case_insensitive_and_values_kept_as_sent():
    req = build_request([("command", "deployVirtualMachine"), ("zoneId", "1"), ("ServiceOfferingID", "2")])
    assert (req.require("zoneid"), req.get("serviceofferingid")) == ("1", "2")


def test_the_first_value_of_a_name_wins_across_query_and_body():
    req = build_request([("zoneid", "1"), ("ZONEID", "2")], b"zoneid=3&templateid=7")
    assert (req.get("zoneid"), req.get("templateid")) == ("1", "7")


def test_json_is_chosen_by_response_json_only():
    assert build_request([("response", "JSON")]).fmt == "json"
    assert build_request([("response", "xml")]).fmt == "xml"
    assert build_request([]).fmt == "xml"


def test_a_missing_parameter_is_a_431_naming_it():
    req = build_request([("command", "deployVirtualMachine")])
    with pytest.raises(ApiError) as caught:
        req.require("zoneId")
    assert (caught.value.code, caught.value.text) == (
        431, "Unable to execute API command deployvirtualmachine due to missing parameter zoneid")


@pytest.mark.parametrize("value", ["yes", "1", "truee"])
def test_a_bad_boolean_is_a_431(value):
    with pytest.raises(ApiError) as caught:
        build_request([("command", "deployVirtualMachine"), ("startvm", value)]).boolean("startvm", True)
    assert caught.value.code == 431 and f"invalid value {value} for parameter startvm" in caught.value.text


def test_a_body_that_is_not_utf8_is_refused():
    with pytest.raises(ApiError) as caught:
        build_request([], b"command=x&name=\xff\xfe")
    assert caught.value.code == 431
