"""core/userdata: checks, canonical form, the content-addressed row."""
from __future__ import annotations

import base64

import pytest

from chalicelib.core import userdata
from chalicelib.core.errors import ApiError


def test_checked_user_data_is_canonical_base64_named_by_its_digest():
    data = userdata.checked("aGk=", post=False)  # "hi"
    assert (data.encoded, data.size) == ("aGk=", 2)
    assert data.fields() == {"userdatabytes": 2, "userdatadigest": userdata.digest_of(b"hi")}
    row = data.row()
    assert (row.kind, row.id, dict(row.data)) == ("userdata", data.digest, {"userdata": "aGk="})
    assert userdata.row_matches(data.digest, "aGk=")
    assert not userdata.row_matches(data.digest, "aG8=") and not userdata.row_matches(data.digest, None)
    assert not userdata.row_matches(data.digest, "***")


@pytest.mark.parametrize("raw, post, text", [
    ("not base64!", False, "User data is not base64 encoded"),
    (base64.b64encode(b"x" * 2049).decode(), False, "User data is too long for an http GET request"),
    (base64.b64encode(b"x" * 32769).decode(), True, "User data is too long for POST request"),
])
def test_refusals_follow_cloudstack(raw, post, text):
    with pytest.raises(ApiError) as refused:
        userdata.checked(raw, post)
    assert (refused.value.code, refused.value.text) == (431, text)


def test_unpadded_and_url_safe_base64_are_taken_as_cloudstack_takes_them():
    assert userdata.checked("QUI", post=False).encoded == "QUI="  # "AB"
    assert userdata.checked("-_8", post=False).encoded == "+/8="
    assert userdata.checked("QUJD====", post=False).encoded == "QUJD"
    for wrong in ("Q", "QU I", "-+AA", "éé==", "QUJD=A=="):
        with pytest.raises(ApiError):
            userdata.checked(wrong, post=False)


def test_limits_are_on_the_decoded_bytes():
    assert userdata.checked(base64.b64encode(b"x" * 2048).decode(), post=False).size == 2048
    assert userdata.checked(base64.b64encode(b"x" * 32768).decode(), post=True).size == 32768
