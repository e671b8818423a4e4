"""The console in a real browser (Debian's Chromium, headless, driven by Playwright) against `jobledger serve`:
sign in, see jobs, deploy and watch a job end, a capacity failure (551) with its text, a VM action, a
timeline whose chain the page verifies, and a tampered stream the page names. Screenshots go to
build/console-screenshots/."""
from __future__ import annotations

import json
import os
import shutil
from typing import Any, Iterator

import boto3
import pytest
import requests

from chalicelib import settings
from chalicelib.cloudstack import signing
from chalicelib.core.events import Event, content_hash
from tests.e2e.conftest import ADMIN_KEY, ADMIN_SECRET, ROOT, Stack, start_stack

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
CHROMIUM = shutil.which("chromium")
NO_BROWSER = "Debian's chromium is not installed (apt-get install chromium): the console's browser tests need it"
if CHROMIUM is None and os.environ.get("JOBLEDGER_REQUIRE_BROWSER") == "1":  # CI (.ci/run): never skip there
    raise RuntimeError(NO_BROWSER)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_BROWSER)
SHOTS = ROOT / "build" / "console-screenshots"
TIMEOUT_MS = 15_000
XSS_NAME = '<img src=x onerror="window.__xss=1">"\'&'


@pytest.fixture(scope="module")
def console_stack() -> Iterator[Stack]:
    running = start_stack("--provision-seconds", "0.2", "--workers", "2")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser: Any, console_stack: Stack) -> Iterator[Any]:
    """One signed-in page for the module (the tests below run in order, each from its own view)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("dialog", lambda dialog: dialog.accept())
    tab.goto(console_url(console_stack))
    tab.get_by_label("API key").fill(ADMIN_KEY)
    tab.get_by_label("Secret key").fill(ADMIN_SECRET)
    tab.get_by_label("Secret key").press("Enter")  # the keyboard alone signs in
    tab.get_by_role("heading", name="Jobs").wait_for()
    yield tab
    assert not tab.errors, tab.errors
    context.close()


def console_url(stack: Stack) -> str:
    return stack.url.replace("/client/api", "") + "/console"


def expect(locator: Any) -> Any:
    return playwright_api.expect(locator)


def deploy(stack: Stack, **extra: str) -> str:
    status, body = stack.json(command="deployVirtualMachine", zoneid="1", serviceofferingid="1", templateid="1",
                              **extra)
    assert status == 200, body
    jobid = body["deployvirtualmachineresponse"]["jobid"]
    stack.wait_for_job(jobid)
    return str(jobid)


def test_signed_in_admin_sees_the_jobs_list(page: Any, console_stack: Stack) -> None:
    jobid = deploy(console_stack, displayname=XSS_NAME)
    page.get_by_role("button", name="Refresh").first.click()
    row = page.locator(f'#jobs-table tr[data-jobid="{jobid}"]')
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text("deployVirtualMachine")
    expect(row).to_contain_text("VirtualMachine")
    page.screenshot(path=str(SHOTS / "jobs.png"))
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: tables scroll inside, the page does not
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "jobs-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_jobs_timeline_shows_its_events_and_the_chain_verified(page: Any) -> None:
    page.locator('a[href="#/jobs/1"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#chain-status")).to_contain_text("Chain verified: 3 events")
    events = page.locator("#job-timeline li")
    expect(events).to_have_count(3)
    expect(events.nth(0)).to_contain_text("Submitted: deployVirtualMachine")
    expect(events.nth(1)).to_contain_text("Started, attempt 1")
    expect(events.nth(1)).to_contain_text("worker vm")
    expect(events.nth(2)).to_contain_text("Completed, code 0")
    expect(page.locator("#job-result")).to_contain_text("succeeded")
    page.screenshot(path=str(SHOTS / "timeline.png"), full_page=True)


def test_deploys_from_the_page_until_a_capacity_failure_shows_its_text(page: Any) -> None:
    """The host holds 2,500 MHz; one Small (500) runs: two Medium (1,000) fit, the third fails with 551."""
    page.get_by_role("link", name="Virtual machines").click()
    page.locator("#deploy summary").click()
    expect(page.get_by_label("Service offering").locator("option")).to_have_count(2)
    page.get_by_label("Service offering").select_option(label="Medium Instance")
    notes = page.locator("#vm-jobs li")
    for submitted in range(1, 4):  # one at a time: each job ends before the next is submitted
        page.get_by_role("button", name="Deploy", exact=True).click()
        expect(notes).to_have_count(submitted)
        expect(notes.first).not_to_contain_text("pending")
    expect(notes.nth(0)).to_contain_text("failed 551")
    expect(notes.nth(0)).to_contain_text("due to not enough capacity")
    expect(notes.nth(1)).to_contain_text("succeeded")
    page.screenshot(path=str(SHOTS / "vms-deploy.png"), full_page=True)


def test_a_vm_action_submits_the_real_command_and_shows_its_job(page: Any) -> None:
    page.get_by_role("link", name="Virtual machines").click()
    name_cell = page.locator("#vms-table tbody th", has_text=XSS_NAME)
    expect(name_cell).to_have_count(1)  # shown as text, never as markup
    assert page.evaluate("window.__xss") is None
    vm_row = page.locator("#vms-table tbody tr").filter(has_text=XSS_NAME)
    vm_row.get_by_role("button", name=f"Stop {XSS_NAME}").click()
    note = page.locator("#vm-jobs li").first
    expect(note).to_contain_text(f"Stop {XSS_NAME}")
    expect(note).to_contain_text("succeeded")
    expect(vm_row.locator("td").first).to_have_text("Stopped")
    note.get_by_role("link").click()
    expect(page.locator("#chain-status")).to_contain_text("Chain verified")
    expect(page.locator("#job-timeline li").first).to_contain_text("Submitted: stopVirtualMachine")


def test_capacity_shows_hosts_and_jobs_per_minute(page: Any) -> None:
    page.get_by_role("link", name="Capacity").click()
    expect(page.locator("#hosts article")).to_have_count(1)
    # one Small and two Medium placed, the Small one stopped since (a stopped VM gives its capacity back here)
    expect(page.locator("#hosts")).to_contain_text("CPU: 2000 of 2500 MHz allocated (80%), 500 MHz free")
    expect(page.locator("#hosts")).to_contain_text("Memory: 2048 of 3072 MB allocated (67%), 1024 MB free")
    expect(page.locator("#rate figcaption")).to_contain_text("failed in the last hour")
    assert page.locator("#rate svg rect.failed").count() >= 1
    page.screenshot(path=str(SHOTS / "capacity.png"), full_page=True)


def test_a_tampered_event_is_named_as_the_first_broken_link(page: Any, console_stack: Stack) -> None:
    tamper(console_stack, "job#1", 2, {"attempt": 7, "procstatus": 1})
    page.goto(page.url.split("#")[0] + "#/jobs/1")
    expect(page.locator("#chain-status")).to_contain_text("Chain broken at seq 2 (JobStarted)")
    expect(page.locator('#job-timeline li[data-seq="2"]')).to_contain_text("broken link")
    expect(page.locator('#job-timeline li[data-seq="1"]')).to_contain_text("link verified")
    page.screenshot(path=str(SHOTS / "tampered.png"), full_page=True)


def test_the_page_hashes_and_signs_exactly_as_the_server(page: Any) -> None:
    """chain.js and api.js against content_hash and signing.py on values where JSON encoders differ."""
    data = {"text": 'tab\t nl\n ctl\x01 quote" back\\ é 😀 \u2028', "float": 1.0, "big": 2 ** 60, "neg": -3,
            "list": [True, None, 0.1], "\U0001f600": 1, "\uffff": 2, "nested": {"b": 1, "a": [{}]}}
    event = Event(stream="job#9", seq=2, type="JobProgressed", data=data, at="2026-01-01T00:00:00.000Z",
                  actor={"worker": "vm"}, schema=1)
    wire_json = json.dumps({"e": {"stream": event.stream, "seq": event.seq, "type": event.type, "schema": 1,
                                  "at": event.at, "actor": event.actor, "data": data}}, ensure_ascii=False)
    pairs = [("command", "listZones"), ("name", "a b~*[]+/é"), ("apiKey", "K")]
    got = page.evaluate("""async ([text, pairs]) => {
        const chain = await import('./console/chain.js');
        const api = await import('./console/api.js');
        const e = api.parseExact(text).e;
        const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('S'),
                                                   {name: 'HMAC', hash: 'SHA-1'}, false, ['sign']);
        const s = api.stringToSign(pairs);
        return [await chain.sha256Hex(chain.hashBody(e, 'ab'.repeat(32))), s, await api.sign(s, key)];
    }""", [wire_json, pairs])
    expected_text = signing.string_to_sign(pairs)
    assert got == [content_hash(event, "ab" * 32), expected_text, signing.sign(expected_text, "S")]


def test_console_headers_and_assets(console_stack: Stack) -> None:
    base = console_url(console_stack)
    page = requests.get(base, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    script = requests.get(base + "/app.js", timeout=10)
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    for probe in ("..%2Fapp.py", "__init__.py", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "index.html%00.js"):
        assert requests.get(f"{base}/{probe}", timeout=10).status_code in (403, 404), probe
    assert "<script>" not in page.text  # no inline script anywhere: the CSP would refuse it


def tamper(stack: Stack, stream: str, seq: int, data: dict[str, Any]) -> None:
    """Edit one stored event's data behind the API's back, through the emulator (its hash left as it was)."""
    client = boto3.client("dynamodb", endpoint_url=stack.emulator, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.update_item(TableName=settings.load().events_table,
                       Key={"stream": {"S": stream}, "seq": {"N": str(seq)}},
                       UpdateExpression="SET #d = :d", ExpressionAttributeNames={"#d": "data"},
                       ExpressionAttributeValues={":d": {"S": json.dumps(data)}})
