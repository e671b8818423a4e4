"""What the command line says when a newcomer gets something wrong, or does something for the first time:
one line on stderr and a non-zero status for a mistake; what was done for a first bootstrap."""
from __future__ import annotations

import json

import pytest
from moto import mock_aws

from chalicelib.aws import models, statetable
from jobledger.__main__ import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sign_refuses_a_name_without_a_value_on_stderr(capsys, monkeypatch):
    monkeypatch.setenv("CLOUDSTACK_KEY", "k")
    monkeypatch.setenv("CLOUDSTACK_SECRET", "s")
    code, out, err = run(capsys, "sign", "command=listZones", "zoneid")
    assert (code, out) == (2, "")
    assert err.splitlines() == ["jobledger sign: 'zoneid' is not name=value (e.g. command=listZones; an empty "
                                "value is name=)"]


def test_sign_without_keys_says_so_on_stderr(capsys, monkeypatch):
    for name in ("CLOUDSTACK_KEY", "CLOUDSTACK_SECRET", "JOBLEDGER_ADMIN_API_KEY", "JOBLEDGER_ADMIN_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = run(capsys, "sign", "command=listZones")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "jobledger sign: no key pair: pass --key/--secret or set CLOUDSTACK_KEY/CLOUDSTACK_SECRET"]


def test_sign_uses_cloudstack_endpoint_as_cs_does(capsys, monkeypatch):
    monkeypatch.setenv("CLOUDSTACK_ENDPOINT", "http://api.example:9/client/api")
    code, out, _ = run(capsys, "sign", "--key", "k", "--secret", "s", "command=listZones", "name=")
    assert code == 0 and out.startswith("http://api.example:9/client/api?command=listZones&name=&")


def test_keys_bootstrap_on_fresh_tables_says_what_it_created(capsys, monkeypatch):
    monkeypatch.delenv("JOBLEDGER_ADMIN_API_KEY", raising=False)
    monkeypatch.delenv("JOBLEDGER_ADMIN_SECRET_KEY", raising=False)
    statetable.LEASES.forget()
    with mock_aws():
        models.create_tables()
        code, out, err = run(capsys, "keys", "bootstrap")
        lines = out.splitlines()
        assert code == 0 and err == ""
        assert lines[:2] == ["bootstrap: created domain ROOT (id 1) and account admin (id 2) with user admin (id 2)",
                             "bootstrap: made the admin's key pair; it is shown once, keep it:"]
        made = json.loads("\n".join(lines[2:]))
        assert set(made) == {"apikey", "secretkey"}
        code, out, _ = run(capsys, "keys", "bootstrap")
        assert out.splitlines() == [
            "bootstrap: domain ROOT and account admin already exist",
            "bootstrap: the admin's key pair is unchanged (set JOBLEDGER_ADMIN_API_KEY and JOBLEDGER_ADMIN_SECRET_KEY "
            "to register another)"]


def test_aws_out_of_reach_or_without_credentials_is_one_line(capsys, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    models.EventRecord._connection = None  # PynamoDB caches a client per model: make a new one here
    code, out, err = run(capsys, "audit", "verify")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and "--endpoint-url" in err  # no credentials, or no route to AWS from here
