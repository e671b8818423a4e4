"""Which AWS a command-line tool works against: AWS itself by default, the local stack with --endpoint-url.
A wrong endpoint (the API's URL, a closed port, an endpoint without the tables) is named in one line."""
from __future__ import annotations

import argparse
import getpass
from typing import Any


class CliError(Exception):
    """A mistake the command line explains in one line (exit status 2), never with a traceback."""


def add_target_arguments(parser: Any) -> None:
    parser.add_argument("--endpoint-url", default=None,
                        help="DynamoDB/SQS endpoint, e.g. the emulator URL `serve` prints (default: AWS)")


def apply_target(args: argparse.Namespace, need_tables: bool = True) -> None:
    from chalicelib import settings

    if args.endpoint_url:
        settings.use_emulator(args.endpoint_url)
        check_endpoint(args.endpoint_url, settings.load().events_table if need_tables else None)


HOW_TO_START = ("start the local stack (`make run`) or the emulator alone (`python -m jobledger emulator`) and pass "
                "the emulator URL it prints")


def check_endpoint(url: str, table: str | None) -> None:
    """One DescribeTable (or ListTables) at `url`, with no retries: raise CliError saying what is wrong there."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError, EndpointConnectionError

    client = boto3.client("dynamodb", endpoint_url=url, config=Config(
        retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=3, read_timeout=10))
    try:
        client.describe_table(TableName=table) if table else client.list_tables(Limit=1)
    except EndpointConnectionError:
        raise CliError(f"nothing answers at {url}: {HOW_TO_START}") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            raise CliError(f"{url} has no table {table}: create the tables with `python -m jobledger emulator`, "
                           f"or pass the URL of an emulator that has them") from None
        answered = f"HTTP {code}" if code.isdigit() else code or "something else"
        raise CliError(f"{url} is not DynamoDB (it answered {answered}): {NOT_THE_API}") from None
    except Exception as exc:  # a server that answers, but not as DynamoDB does (HTML, CloudStack XML, …)
        raise CliError(f"{url} is not DynamoDB ({type(exc).__name__}): {NOT_THE_API}") from None


NOT_THE_API = ("pass the emulator URL (`emulated AWS (DynamoDB, SQS) at …` in what `serve` prints, or what "
               "`python -m jobledger emulator` prints), not the API's")


def explain_aws_error(exc: BaseException) -> str | None:
    """One line for the AWS failures a command-line user can fix, else None (a bug: let it raise)."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, NoCredentialsError):
            return ("no AWS credentials: configure them for AWS, or pass --endpoint-url with the emulator URL "
                    "`serve` prints for the local stack")
        if isinstance(cause, NoRegionError):
            return "no AWS region: set AWS_DEFAULT_REGION (or pass --endpoint-url for the local stack)"
        if isinstance(cause, EndpointConnectionError):
            url = getattr(cause, "kwargs", {}).get("endpoint_url", "the endpoint")
            if "amazonaws.com" in url:
                return f"cannot reach AWS at {url}; for the local stack pass --endpoint-url with the emulator URL"
            return f"cannot reach {url}: {HOW_TO_START}"
        cause = getattr(cause, "cause", None) or cause.__cause__
    return None


def operator_actor(tool: str) -> dict[str, str]:
    """How events made from the command line record who made them."""
    return {"operator": getpass.getuser(), "tool": tool}
