"""Signature verification: the developer guide's vectors, the client variants, and the laws (hypothesis)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.cloudstack import signing

KEY = "plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg"
SECRET = "VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ"


def test_the_developer_guide_vector_verifies():
    pairs = [("apiKey", KEY), ("command", "listUsers"), ("response", "json")]
    assert signing.verify(pairs, SECRET, "TTpdDq/7j/J58XCRHomKoQXEQds=")


def test_the_second_vector_with_a_plus_in_the_signature():
    text = ("apikey=i-mcqzbmwigid0sohwvjk60pwxwmfc1wsenvzy1zpuou1ay-c66elwlnabeb5ylpf1f_uu_1peytzobumnll8g"
            "&command=listzones&response=json")
    secret = "bezaSxCEjrWxutJzRdJTStGl4nEWVUDx4YX9Q8DJo6kBiUXWfdq7P8z46zaWbQBeVMTu0YiP9tVbsjbG4QFV3g"
    assert signing.sign(text, secret) == "RNlqbyJYiXMGYXI5g7+0zB6Y+5w="


def test_java_encoding_escapes_tilde_and_space():
    assert signing.encode("a b~c*d_e.f-g") == "a%20b%7Ec*d_e.f-g"
    assert signing.encode("é") == "%C3%A9"


def libcloud_signature(params: dict, secret: str) -> str:
    """libcloud 3.9's own algorithm (libcloud/common/cloudstack.py), re-stated."""
    pairs = sorted((k.lower(), v) for k, v in params.items())
    text = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='[]*')}" for k, v in pairs)
    return signing.sign(text.lower().replace("+", "%20"), secret)


def cs_signature(params: dict, secret: str) -> str:
    """cs 5.2's own algorithm (cs/client.py), re-stated."""
    text = "&".join(f"{k}={quote(v, safe='*')}" for k, v in sorted(params.items()))
    return signing.sign(text.lower(), secret)


def cloudmonkey_signature(params: dict, secret: str) -> str:
    """CloudMonkey 5.3's algorithm (requester.py, Python 2): names sorted lowercased, values with
    urllib.quote_plus, whose safe set is letters, digits and `_.-` (so `~` and `*` are escaped)."""
    pairs = sorted(params.items(), key=lambda p: p[0].lower())
    text = "&".join(f"{k.lower()}={quote_plus(str(v), safe='').replace('~', '%7E').lower().replace('+', '%20')}"
                    for k, v in pairs)
    return signing.sign(text, secret)


def test_the_documented_client_variants_verify():
    params = {"apiKey": KEY, "command": "deployVirtualMachine", "name": "a~b", "Zoneid": "1",
              "userdata": "x[0]=y", "displayName": "with space", "keyword": "star*"}
    pairs = list(params.items())
    assert signing.verify(pairs, SECRET, libcloud_signature(params, SECRET))
    assert signing.verify(pairs, SECRET, cs_signature(params, SECRET))
    assert signing.verify(pairs, SECRET, cloudmonkey_signature(params, SECRET))


def test_an_undocumented_variant_is_refused():
    params = [("apiKey", KEY), ("command", "listZones"), ("name", "a b")]
    plus_for_space = "apikey=" + KEY.lower() + "&command=listzones&name=a+b"
    assert not signing.verify(params, SECRET, signing.sign(plus_for_space, SECRET))


names = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&="), min_size=1,
                max_size=12)
values = st.text(min_size=0, max_size=20)
parameter_sets = st.dictionaries(names, values, min_size=1, max_size=8).filter(
    lambda d: "signature" not in {k.lower() for k in d} and len({k.lower() for k in d}) == len(d))


@settings(max_examples=200, deadline=None)
@given(parameter_sets)
def test_any_parameter_set_signed_with_the_secret_verifies(params):
    pairs = list(params.items())
    assert signing.verify(pairs, SECRET, signing.sign(signing.string_to_sign(pairs), SECRET))


@settings(max_examples=200, deadline=None)
@given(parameter_sets, st.data())
def test_any_single_character_change_is_refused(params, data):
    pairs = list(params.items())
    signature = signing.sign(signing.string_to_sign(pairs), SECRET)
    index = data.draw(st.integers(0, len(pairs) - 1))
    name, value = pairs[index]
    where = data.draw(st.sampled_from(["name", "value", "signature"]))
    if where == "signature":
        position = data.draw(st.integers(0, len(signature) - 2))  # the last char is padding
        replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"))
        changed = signature[:position] + replacement + signature[position + 1:]
        if changed == signature:
            return
        assert not signing.verify(pairs, SECRET, changed)
        return
    text = name if where == "name" else value
    position = data.draw(st.integers(0, max(len(text) - 1, 0)))
    replacement = data.draw(st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="&="))
    mutated = text[:position] + replacement + text[position + 1:] if text else replacement
    # the string to sign is lowercased (CloudStack's rule): a change of case alone is not a change
    if mutated.lower() == text.lower() or signing.encode(mutated).lower() == signing.encode(text).lower():
        return
    if where == "name" and (mutated.lower() == "signature" or mutated.lower() in {k.lower() for k in params}):
        return
    changed = list(pairs)
    changed[index] = (mutated, value) if where == "name" else (name, mutated)
    assert not signing.verify(changed, SECRET, signature)


def test_expires_is_required_and_enforced_with_signature_version_3():
    now = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)
    base = [("signatureVersion", "3")]
    assert signing.expired(base, now)
    assert signing.expired(base + [("expires", "2026-11-27T10:59:59+0000")], now)
    for future in ("2026-11-27T11:07:57+0000", "2026-11-27T11:07:57+00:00", "2026-11-27T11:07:57Z",
                   "2026-11-27T16:37:57Z+0530"):
        assert not signing.expired(base + [("expires", future)], now), future
    assert signing.expired(base + [("expires", "tomorrow")], now)
    assert not signing.expired([("expires", "2000-01-01T00:00:00+0000")], now)  # ignored without v3
    assert signing.parse_expires("2026-11-27T16:37:57Z+0530") == now + timedelta(minutes=7, seconds=57)
