"""The merge template agrees with the models, the stage configuration, the policy and the app's functions."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from chalice.app import SQSEventConfig
from chalice.package import to_cfn_resource_name

from app import app
from chalicelib import settings
from chalicelib.aws.models import EventRecord, StateRecord
from tests.deploy.iam import grants, load_policy

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = yaml.safe_load((ROOT / "infra" / "merge.yaml").read_text(encoding="utf-8"))
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
STAGE = "dev"


def stage_env() -> dict[str, str]:
    return {**CONFIG["environment_variables"], **CONFIG["stages"][STAGE].get("environment_variables", {})}


def props(logical_id: str) -> dict[str, Any]:
    return dict(RESOURCES[logical_id]["Properties"])


def _keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["AttributeName"]: k["KeyType"] for k in schema}


def _model_schema(model: Any) -> dict[str, Any]:
    schema = model._get_schema()
    return {"attributes": {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]},
            "keys": _keys(schema["key_schema"]),
            "indexes": {i["index_name"]: (_keys(i["key_schema"]), i["projection"]["ProjectionType"])
                        for i in schema["global_secondary_indexes"]}}


def _template_schema(table: dict[str, Any]) -> dict[str, Any]:
    return {"attributes": {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]},
            "keys": _keys(table["KeySchema"]),
            "indexes": {i["IndexName"]: (_keys(i["KeySchema"]), i["Projection"]["ProjectionType"])
                        for i in table.get("GlobalSecondaryIndexes", [])}}


def test_tables_have_the_keys_and_indexes_of_the_models() -> None:
    assert _template_schema(props("EventsTable")) == _model_schema(EventRecord)
    assert _template_schema(props("StateTable")) == _model_schema(StateRecord)


def test_tables_are_on_demand_recoverable_and_kept() -> None:
    for logical_id in ("EventsTable", "StateTable"):
        table = props(logical_id)
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert RESOURCES[logical_id]["DeletionPolicy"] == RESOURCES[logical_id]["UpdateReplacePolicy"] == "Retain"


def test_the_api_is_rate_limited_per_api_key_by_waf_and_throttled_by_api_gateway() -> None:
    acl = props("ApiWebAcl")
    by_key = next(r for r in acl["Rules"] if r["Name"] == "per-api-key")["Statement"]["RateBasedStatement"]
    assert by_key["AggregateKeyType"] == "CUSTOM_KEYS"
    assert by_key["CustomKeys"][0]["QueryArgument"]["Name"] == "apiKey"
    assert any(r["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP" for r in acl["Rules"])
    association = props("ApiWebAclAssociation")
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert "${RestAPI}/stages/api" in association["ResourceArn"]["Fn::Sub"]
    [throttle] = props("RestAPI")["MethodSettings"]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] >= throttle["ThrottlingRateLimit"]


def test_names_agree_across_template_configuration_and_policy() -> None:
    env = stage_env()
    assert props("EventsTable")["TableName"] == env["JOBLEDGER_EVENTS_TABLE"]
    assert props("StateTable")["TableName"] == env["JOBLEDGER_STATE_TABLE"]
    assert props("JobsQueue")["QueueName"] == env["JOBLEDGER_QUEUE_NAME"] == settings.queue_name()
    assert props("JobsDeadLetterQueue")["QueueName"] == f"{env['JOBLEDGER_QUEUE_NAME']}-dlq"
    named = {_resource_name(g.resource) for g in grants(load_policy()) if ":logs:" not in g.resource}
    assert named == {env["JOBLEDGER_EVENTS_TABLE"], env["JOBLEDGER_STATE_TABLE"], env["JOBLEDGER_QUEUE_NAME"]}


def _resource_name(arn: str) -> str:
    """`...:table/jobledger-state-v2/index/by-kind` -> `jobledger-state-v2`; a queue ARN ends with its name."""
    resource = arn.split(":", 5)[5]
    return resource.split("/")[1] if resource.startswith("table/") else resource


def test_queue_outlasts_the_worker_and_dead_letters_after_the_last_attempt() -> None:
    worker_timeout = CONFIG["stages"][STAGE]["lambda_functions"]["job_worker"]["lambda_timeout"]
    queue = props("JobsQueue")
    assert queue["VisibilityTimeout"] >= 6 * worker_timeout
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobsDeadLetterQueue", "Arn"]}
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5 == settings.load().max_attempts


def test_the_workers_event_source_reports_batch_item_failures_from_our_queue() -> None:
    [sqs] = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    function = to_cfn_resource_name(sqs.name)
    mapping = props(function)["Events"][f"{function}SqsEventSource"]["Properties"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["Queue"] == {"Fn::Sub": "${JobsQueue.Arn}"}


def test_the_functions_read_the_names_of_the_resources_made_here() -> None:
    for function in ("APIHandler", to_cfn_resource_name("job_worker")):
        assert props(function)["Environment"]["Variables"] == {
            "JOBLEDGER_EVENTS_TABLE": {"Ref": "EventsTable"}, "JOBLEDGER_STATE_TABLE": {"Ref": "StateTable"},
            "JOBLEDGER_QUEUE_NAME": {"Fn::GetAtt": ["JobsQueue", "QueueName"]}}


def test_the_operator_is_alarmed_on_dead_letters_old_messages_errors_throttles_and_5xx() -> None:
    alarms = {name: r["Properties"] for name, r in RESOURCES.items() if r.get("Type") == "AWS::CloudWatch::Alarm"}
    watched = {(p.get("Namespace"), p.get("MetricName")) for p in alarms.values()}
    watched |= {(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"])
                for p in alarms.values() for m in p.get("Metrics", []) if "MetricStat" in m}
    assert {("AWS/SQS", "ApproximateNumberOfMessagesVisible"), ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
            ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"), ("AWS/ApiGateway", "5XXError"),
            ("jobledger", "JobsFailed")} <= watched


def test_the_dashboard_body_is_json_over_the_metrics_the_code_emits() -> None:
    body = props("Dashboard")["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body.replace("${AWS::Region}", "us-east-1"))["widgets"]
    names = {m[1] for w in widgets for m in w["properties"]["metrics"]}
    assert {"JobsSubmitted", "JobsSucceeded", "JobsFailed", "JobDuration", "JobAttempts", "SweeperResends"} <= names

