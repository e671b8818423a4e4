"""The local stack: moto for DynamoDB and SQS in a process of its own (jobledger/emulator_process.py), and in
this one Chalice's local server for app.py and worker threads that long-poll SQS and call the very handler
Lambda calls, with the same event shape (jobledger/workers.py)."""
from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable

from jobledger.local_restore import Recovered, begin_import, recover, restore_log, save_log
from jobledger.workers import prepare_aws, records_event, sqs_record, start_pollers

__all__ = ["LocalStack", "start", "restore_log", "save_log", "sqs_record", "records_event"]

log = logging.getLogger("jobledger.local")


@dataclass
class LocalStack:
    api_url: str
    emulator_url: str
    stop: Callable[[], None]
    admin_keys: tuple[str, str, bool] | None  # (key, secret, made now); None: the admin's keys are unchanged
    restored: Recovered | None = None  # with a data dir: what was found in it on start


def start(host: str = "127.0.0.1", port: int = 8080, emulator_url: str | None = None,
          workers: int = 2, provision_seconds: float = 0.0, inventory_path: str | None = None,
          allow_unsigned: bool = False, rate_limit: int = 0, data_dir: str | None = None) -> LocalStack:
    """Start everything; answer the URLs and a stop function. `emulator_url` reuses a running emulator.

    With `data_dir`, the emulator journals every DynamoDB write there before answering, and a start restores
    what the data dir holds (or imports DIR/events.jsonl, the export of older versions); the log is exported
    to DIR/events.jsonl (with DIR/secrets.json) on a clean stop as well.
    """
    from chalicelib import settings

    settings.configure_local(provision_seconds, allow_unsigned, rate_limit)
    # Every request hops between threads (API, worker) of this process; handing the GIL over after 1 ms instead
    # of 5 shortens each hop when a worker is busy (bench/RESULTS.md, growth).
    sys.setswitchinterval(0.001)
    emulator, fresh_import = None, False
    if emulator_url is None:
        from jobledger.emulator_process import EmulatorProcess

        fresh_import = begin_import(data_dir) if data_dir else False
        emulator = EmulatorProcess(data_dir, settings.load().events_table)
        try:
            import app  # noqa: F401  # while the emulator's process starts
            emulator_url = emulator.ready().url
        except BaseException:
            emulator.stop()
            raise
    settings.set_endpoint(emulator_url)
    try:
        restored = recover(data_dir, emulator, fresh_import) if data_dir else None
    except BaseException:
        if emulator is not None:
            emulator.stop()
        raise
    admin_keys = prepare_aws(inventory_path)
    http = _start_http(host, port)
    stop_event = threading.Event()
    threads = start_pollers(stop_event, workers)

    def stop() -> None:
        stop_event.set()
        http.shutdown()
        http.server_close()
        for thread in threads:
            thread.join(timeout=5)
        try:
            if data_dir:
                save_log(data_dir)
        finally:
            if emulator is not None:
                emulator.stop()

    bound_host, bound_port = http.server_address[:2]
    return LocalStack(f"http://{bound_host}:{bound_port}/client/api", emulator_url, stop, admin_keys, restored)


def _start_http(host: str, port: int) -> Any:
    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app
    from jobledger.tcp import without_nagle

    server = create_local_server(app, Config(chalice_stage="local"), host, port).server
    without_nagle(server)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server
