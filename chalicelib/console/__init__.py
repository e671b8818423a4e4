"""The console's static files (chalicelib/console/*): an allow-list of names, each served with its content type
and the headers that keep the page to itself (strict CSP, nosniff, no framing). No AWS, no templates."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
INDEX = "index.html"
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
# Only these names are ever read: a name from the URL is looked up here, never joined to a path.
ASSETS = frozenset({INDEX, "console.css", "icon.svg", "app.js", "api.js", "chain.js", "dom.js", "jobs.js",
                    "timeline.js", "vms.js", "capacity.js"})
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
                    "Cache-Control": "no-cache"}


@dataclass(frozen=True)
class Asset:
    status: int
    body: str
    headers: dict[str, str]


def serve(name: str = INDEX) -> Asset:
    """The named file of the console, or a plain 404 for any name not on the allow-list."""
    if name not in ASSETS:
        return Asset(404, "Not found", {**SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8"})
    body = (HERE / name).read_text(encoding="utf-8")
    return Asset(200, body, {**SECURITY_HEADERS, "Content-Type": _TYPES[Path(name).suffix]})
