"""Ansible's cloudstack collection (`ngine_io.cloudstack` 2.5.0) for the end-to-end test, fetched once.

The collection ships inside the `ansible` package on PyPI up to 10.x: download that wheel (no dependencies) with
pip and unzip only `ansible_collections/ngine_io/cloudstack/` into build/collections, the directory the test
points ANSIBLE_COLLECTIONS_PATH at. `python -m tests.e2e.ansible_collection` fetches it ahead of the tests.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "collections"
PACKAGE = "ansible==10.7.0"
FOLDER = "ansible_collections/ngine_io/cloudstack/"
# What pip prints when it cannot reach the index at all (as opposed to the package or its contents being wrong).
UNREACHABLE = ("NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
               "Network is unreachable", "Connection refused", "ConnectTimeoutError", "ProxyError")


class RegistryUnreachable(RuntimeError):
    """The package registry could not be reached: the only reason the Ansible test may skip."""


def collections_path(cache: Path = CACHE) -> Path:
    """The directory to give ANSIBLE_COLLECTIONS_PATH, holding the collection (downloaded when absent)."""
    if not (cache / FOLDER / "MANIFEST.json").is_file():
        with tempfile.TemporaryDirectory() as downloads:
            _extract(_download(Path(downloads)), cache)
    return cache


def _download(into: Path) -> Path:
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(into),
                           PACKAGE], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if any(marker in output for marker in UNREACHABLE):
            raise RegistryUnreachable(f"pip download {PACKAGE}: the package registry is unreachable:\n{output[-800:]}")
        raise RuntimeError(f"pip download {PACKAGE} failed:\n{output[-2000:]}")
    [wheel] = into.glob("ansible-*.whl")
    return wheel


def _extract(wheel: Path, cache: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.startswith(FOLDER)]
        if not any(n.endswith("MANIFEST.json") for n in names):
            raise RuntimeError(f"{wheel.name} holds no {FOLDER}")
        archive.extractall(cache, names)


if __name__ == "__main__":
    print(collections_path())
