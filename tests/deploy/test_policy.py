"""`.chalice/policy.json` allows every AWS call the code makes, on the resource it makes it on, and no more."""
from __future__ import annotations

from tests.deploy.awscalls import Call, Request, iam_requests
from tests.deploy.iam import Grant, allowed_by, grants, load_policy

# What Lambda itself does with the functions' role: write their logs, and run the worker's SQS event source
# mapping (receive, delete, extend visibility, read the queue's attributes). The code never calls these.
LAMBDA_SERVICE_ACTIONS = {
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
    "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
}
JOBS_QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobledger-jobs"
LAMBDA_LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/jobledger-dev-job_worker"


def _requests(recorded: list[Call]) -> list[Request]:
    return [r for call in recorded for r in iam_requests(call)]


def test_the_flows_were_recorded(recorded: list[Call]) -> None:
    operations = {f"{c.service}:{c.operation}" for c in recorded}
    assert {"dynamodb:TransactWriteItems", "dynamodb:Query", "dynamodb:GetItem", "sqs:SendMessage"} <= operations


def test_every_call_the_code_makes_is_allowed_on_its_resource(recorded: list[Call]) -> None:
    policy = grants(load_policy())
    denied = sorted({f"{r.action} on {r.resource} (in {r.operation})" for r in _requests(recorded)
                     if not allowed_by(policy, r.action, r.resource)})
    assert not denied, "the policy does not allow:\n" + "\n".join(denied)


def test_the_policy_allows_nothing_the_code_does_not_use(recorded: list[Call]) -> None:
    requests = _requests(recorded)
    unused = [g for g in grants(load_policy()) if g.action not in LAMBDA_SERVICE_ACTIONS
              and not any(allowed_by([g], r.action, r.resource) for r in requests)]
    assert not unused, "granted but never used:\n" + "\n".join(f"{g.sid}: {g.action} on {g.resource}" for g in unused)


def test_lambda_service_actions_are_allowed_only_where_lambda_needs_them() -> None:
    policy = grants(load_policy())
    for action in LAMBDA_SERVICE_ACTIONS:
        where = LAMBDA_LOG_GROUP if action.startswith("logs:") else JOBS_QUEUE
        assert allowed_by(policy, action, where), f"{action} on {where}"
    assert not allowed_by(policy, "sqs:ReceiveMessage", JOBS_QUEUE + "-dlq")


def test_the_policy_has_no_wildcard_action_and_no_open_resource() -> None:
    for grant in grants(load_policy()):
        assert "*" not in grant.action and "?" not in grant.action, grant
        assert _resource_is_scoped(grant), grant


def _resource_is_scoped(grant: Grant) -> bool:
    """A named table, index, queue or the Lambda log groups: wildcards only for region and account."""
    _, _, service, _, _, resource = grant.resource.split(":", 5)
    if service == "dynamodb":
        return resource.startswith("table/jobledger-") and "*" not in resource
    if service == "sqs":
        return "*" not in resource
    return service == "logs" and resource.startswith("log-group:/aws/lambda/")
