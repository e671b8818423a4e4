"""The Lambdas' pollers, for any endpoint: worker loops that long-poll the jobs queue and hand each batch to the
very handler Lambda calls (same event shape, same partial-batch answer), and the sweeper on a timer. `serve`
runs them in threads next to the API; `python -m jobledger worker` runs them alone (beside `chalice local`)."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

__all__ = ["prepare_aws", "start_pollers", "worker_loop", "sweeper_loop", "dispatch", "sqs_record", "records_event"]

log = logging.getLogger("jobledger.local")


def prepare_aws(inventory_path: str | None) -> tuple[str, str, bool] | None:
    """Tables, queues, the inventory and the bootstrap admin (keys from the settings, else made): what a fresh
    endpoint needs before the API can answer. Answers `directory.ensure_bootstrap`'s (key, secret, made now)."""
    from chalicelib import settings
    from chalicelib.aws import directory, models, queue
    from jobledger import bootstrap, inventory

    models.create_tables()
    queue.create_queues()
    bootstrap.seed_inventory(inventory.read_inventory(inventory_path))
    config = settings.load()
    return directory.ensure_bootstrap(config.admin_api_key, config.admin_secret_key)


def start_pollers(stop: threading.Event, workers: int, sweep_every: float = 15.0) -> list[threading.Thread]:
    """`workers` worker loops and one sweeper loop, as daemon threads, until `stop` is set."""
    threads = [threading.Thread(target=worker_loop, args=(stop,), name=f"worker-{i}", daemon=True)
               for i in range(workers)]
    threads.append(threading.Thread(target=sweeper_loop, args=(stop, sweep_every), name="sweeper", daemon=True))
    for thread in threads:
        thread.start()
    return threads


def sweeper_loop(stop: threading.Event, every: float = 15.0) -> None:
    """The scheduled sweeper Lambda's stand-in: the same function, on a timer."""
    from chalicelib.runtime import sweeper

    while not stop.wait(every):
        try:
            sweeper.sweep()
        except Exception:  # the next round tries again
            log.exception("sweeper round failed")


def worker_loop(stop: threading.Event) -> None:
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
                dispatch(job_worker, sqs, url, arn, messages)
        except Exception:  # the loop outlives any one failure, like Lambda's poller
            log.exception("worker loop iteration failed")
            stop.wait(1)


def dispatch(handler: Callable[..., Any], sqs: Any, url: str, arn: str, messages: list[dict[str, Any]]) -> None:
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
