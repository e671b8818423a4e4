"""The console's static files: only allow-listed names are served, with a strict CSP; the page itself loads no
script inline, nothing from another origin, and puts API values into the DOM as text only."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from chalicelib import console

FILES = sorted(p.name for p in console.HERE.iterdir() if p.is_file() and p.suffix != ".py")


def test_every_file_of_the_folder_is_on_the_allow_list_and_nothing_else():
    assert set(FILES) == set(console.ASSETS)


@pytest.mark.parametrize("name", ["../app.py", "..%2Fapp.py", "__init__.py", "/etc/passwd", "", "INDEX.HTML",
                                  "index.html/", "app.js\x00.css", "..", "."])
def test_a_name_off_the_allow_list_is_not_found(name):
    reply = console.serve(name)
    assert reply.status == 404 and reply.body == "Not found"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", sorted(console.ASSETS))
def test_each_asset_is_served_with_its_type_and_the_security_headers(name):
    reply = console.serve(name)
    assert reply.status == 200 and reply.body
    assert reply.headers["Content-Type"].split(";")[0] in ("text/html", "text/css", "text/javascript", "image/svg+xml")
    csp = reply.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
        assert directive in csp
    assert "unsafe" not in csp
    assert reply.headers["X-Frame-Options"] == "DENY"


def test_the_page_has_no_inline_script_or_style_and_no_foreign_origin():
    for name in FILES:
        text = (console.HERE / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), name  # no CDN, nothing leaves
    page = (console.HERE / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers


@pytest.mark.parametrize("name", [n for n in FILES if n.endswith(".js")])
def test_scripts_put_values_into_the_dom_as_text_only(name):
    text = (console.HERE / name).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                 "console.log"):
        assert sink not in text, f"{name} uses {sink}"


def test_the_secret_is_only_ever_given_to_web_crypto_or_the_tabs_session_storage():
    api = (console.HERE / "api.js").read_text(encoding="utf-8")
    uses = [line.strip() for line in api.splitlines() if re.search(r"\bsecret\b", line)]
    allowed = ("async function importSecret(secret) {", "const raw = new TextEncoder().encode(secret);",
               "export async function signIn(apikey, secret, remember) {",
               "session = { apikey, key: await importSecret(secret), remember };",
               "if (remember) sessionStorage.setItem(STORE, JSON.stringify({ apikey, secret }));",
               "const { apikey, secret } = JSON.parse(saved);", "await signIn(apikey, secret, true);")
    assert all(line in allowed or line.startswith("//") for line in uses), uses


def test_the_console_module_imports_no_aws_library():
    code = ("import sys, chalicelib.console; "
            "bad = [m for m in ('boto3', 'botocore', 'pynamodb', 'chalice') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
