"""The local stack: moto for DynamoDB and SQS, Chalice's local server for app.py, and worker threads that
long-poll SQS and call the very handler Lambda calls, with the same event shape."""
from __future__ import annotations

import logging
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable

from jobledger.local_restore import Recovered, begin_import, recover, restore_log, save_log

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
    # Every request hops between threads (client, API, emulator, worker) of this one process; handing the GIL
    # over after 1 ms instead of 5 shortens each hop when a worker is busy (bench/RESULTS.md, growth).
    sys.setswitchinterval(0.001)
    emulator, fresh_import = None, False
    if emulator_url is None:
        from jobledger.emulator import Emulator

        fresh_import = begin_import(data_dir) if data_dir else False
        emulator = Emulator(data_dir=data_dir).start(settings.load().events_table)
        emulator_url = emulator.url
    settings.set_endpoint(emulator_url)
    try:
        restored = recover(data_dir, emulator, fresh_import) if data_dir else None
    except BaseException:
        if emulator is not None:
            emulator.stop()
        raise
    admin_keys = _prepare_aws(inventory_path)
    http = _start_http(host, port)
    stop_event = threading.Event()
    threads = [threading.Thread(target=_worker_loop, args=(stop_event,), name=f"worker-{i}", daemon=True)
               for i in range(workers)]
    threads.append(threading.Thread(target=_sweeper_loop, args=(stop_event,), name="sweeper", daemon=True))
    for thread in threads:
        thread.start()

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


def _prepare_aws(inventory_path: str | None) -> tuple[str, str, bool] | None:
    from chalicelib import settings
    from jobledger import bootstrap, inventory
    from chalicelib.aws import directory, models, queue

    models.create_tables()
    queue.create_queues()
    bootstrap.seed_inventory(inventory.read_inventory(inventory_path))
    config = settings.load()
    return directory.ensure_bootstrap(config.admin_api_key, config.admin_secret_key)


def _start_http(host: str, port: int) -> Any:
    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app
    from jobledger.emulator import without_nagle

    server = create_local_server(app, Config(chalice_stage="local"), host, port).server
    without_nagle(server)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


def _sweeper_loop(stop: threading.Event, every: float = 15.0) -> None:
    """The scheduled sweeper Lambda's stand-in: the same function, on a timer."""
    from chalicelib.runtime import sweeper

    while not stop.wait(every):
        try:
            sweeper.sweep()
        except Exception:  # the next round tries again
            log.exception("sweeper round failed")


def _worker_loop(stop: threading.Event) -> None:
    """Long-poll the jobs queue; hand each batch to the Lambda handler; delete what it did not report failed."""
    from app import job_worker
    from chalicelib.aws import queue

    sqs, url = queue.client(), queue.queue_url()
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    while not stop.is_set():
        try:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           AttributeNames=["All"]).get("Messages", [])
            if messages:
                _dispatch(job_worker, sqs, url, arn, messages)
        except Exception:  # the loop outlives any one failure, like Lambda's poller
            log.exception("worker loop iteration failed")
            stop.wait(1)


def _dispatch(handler: Any, sqs: Any, url: str, arn: str, messages: list[dict[str, Any]]) -> None:
    records = [sqs_record(m, arn) for m in messages]
    try:
        failed = {f["itemIdentifier"] for f in handler(records_event(records), None)["batchItemFailures"]}
    except Exception:  # the handler raised: every record is retried after the visibility timeout
        log.exception("batch failed")
        return
    done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(messages) if m["MessageId"] not in failed]
    if done:
        sqs.delete_message_batch(QueueUrl=url, Entries=done)


def sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    """An SQS message as Lambda's event source mapping delivers it."""
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"], "attributes": message.get("Attributes", {}),
            "messageAttributes": {}, "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": arn.split(":")[3]}


def records_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": records}
