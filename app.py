"""jobledger's Lambdas: the CloudStack API route, the SQS worker, the sweeper and the log sealer. A router only:
logic is in chalicelib."""
from __future__ import annotations

from typing import Any

from chalice import Chalice, Rate, Response

from chalicelib import console, settings
from chalicelib.commands import api, notfound
from chalicelib.runtime import sweeper, worker

app = Chalice(app_name="jobledger")

FORM_AND_OTHERS = ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data"]


@app.route("/client/api", methods=["GET", "POST", "PUT", "DELETE", "PATCH"], content_types=FORM_AND_OTHERS)
def client_api() -> Response:
    request = app.current_request
    assert request is not None  # chalice sets it for every route invocation
    query: Any = request.query_params or {}
    pairs = [(name, value) for name in query for value in query.getlist(name)]
    reply = api.handle(api.HttpRequest(request.method, pairs, request.raw_body or b"",
                                       request.context.get("requestId", "")))
    headers: dict[str, str | list[str]] = dict(reply.headers)
    return Response(body=reply.body, status_code=reply.status, headers=headers)


@app.route("/console", methods=["GET"])
def console_page() -> Response:
    return console_asset(console.INDEX)


@app.route("/console/{asset}", methods=["GET"])
def console_asset(asset: str) -> Response:
    found = console.serve(asset)
    return Response(body=found.body, status_code=found.status, headers=dict(found.headers))


# Any other path (`/`, `/api`, `/client/apii`, …) answers a CloudStack 404 naming /client/api, not the framework's
# 403 "Missing Authentication Token". Chalice's local server has no {proxy+}: one route per depth; literal routes win.
ANY = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]


@app.route("/", methods=ANY, content_types=FORM_AND_OTHERS)
def not_found_root() -> Response:
    return not_found()


@app.route("/{a}", methods=ANY, content_types=FORM_AND_OTHERS)
def not_found_1(a: str) -> Response:
    return not_found()


@app.route("/{a}/{b}", methods=ANY, content_types=FORM_AND_OTHERS)
def not_found_2(a: str, b: str) -> Response:
    return not_found()


@app.route("/{a}/{b}/{c}", methods=ANY, content_types=FORM_AND_OTHERS)
def not_found_3(a: str, b: str, c: str) -> Response:
    return not_found()


def not_found() -> Response:
    request = app.current_request
    assert request is not None
    query: Any = request.query_params or {}
    path = request.path.format(**(request.uri_params or {}))  # the route's template, filled in
    reply = notfound.not_found(path, [(name, value) for name in query for value in query.getlist(name)])
    return Response(body=reply.body, status_code=reply.status, headers=dict(reply.headers))


@app.on_sqs_message(queue=settings.queue_name(), batch_size=10)
def job_worker(event: Any) -> dict[str, Any]:
    return worker.handle_batch(event.to_dict()["Records"])


@app.schedule(Rate(1, unit=Rate.MINUTES))
def job_sweeper(event: Any) -> dict[str, int]:
    return vars(sweeper.sweep())


@app.schedule(Rate(1, unit=Rate.HOURS))
def log_sealer(event: Any) -> dict[str, Any]:
    """Invariant 8: every stream's head sealed hourly, the digest logged where table edits cannot reach."""
    from chalicelib.runtime import sealer  # only this function needs it: the API's cold start does not pay

    return sealer.record_seal()
