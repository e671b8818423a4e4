"""Cheaper answers from moto's own wire code for the emulator's hot paths (moto 5.2.5, like moto_dynamodb.py).

moto 5.2.5 serializes every DynamoDB answer by walking botocore's output shape, and for each attribute value (a
structure of ten members: S, N, B, SS, …) it looks each member up through six alias providers, twice: ≈30 % of
the emulator's CPU per job (bench/RESULTS.md, growth). An attribute value holds exactly one of its members, named
by its one key (moto's DynamoDB answers define no aliases or transformers), so the serializer here serializes that
member alone, through moto's own code for its type, and leaves every other shape to moto. And moto's dispatcher
lists moto's ≈200 service folders on disk for every request to find the backend of a host name, and its handler
lists its own methods (inspect.getmembers) for every request: neither answer changes, so both are kept.
`tests/integration/test_emulator_dynamodb.py` compares the answers with plain moto's.
"""
from __future__ import annotations

import types
from typing import Any

from botocore.model import OperationNotFoundError, Shape
from moto.core import responses as moto_core_responses
from moto.core.common_types import TYPE_RESPONSE
from moto.core.model import OperationModel
from moto.core.responses import ActionContext, ActionResult, get_service_model
from moto.core.serialize import ResponseSerializer, get_serializer_class
from moto.dynamodb import urls as dynamodb_urls
from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

ATTRIBUTE_VALUE = "AttributeValue"


class OneMemberAttributeValues:
    """Serializer mixin: an AttributeValue `{"S": "x"}` is serialized as its one member, by moto's member code."""

    def _serialize_type_structure(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == ATTRIBUTE_VALUE and key and type(value) is dict and len(value) == 1:
            tag = next(iter(value))
            member: Shape | None = shape.members.get(tag)
            if member is not None:
                wrapper: Any = self.MAP_TYPE()  # type: ignore[attr-defined]
                member.parent = shape  # type: ignore[attr-defined]  # as moto's loop sets it
                if value[tag] is not None:  # what moto's value picker finds for the member: DynamoDB has no aliases
                    self._serialize(wrapper, value[tag], member, tag)  # type: ignore[attr-defined]
                self._default_serialize(serialized, wrapper, shape, key)  # type: ignore[attr-defined]
                return
        super()._serialize_type_structure(serialized, value, shape, key)  # type: ignore[misc]


_one_member: dict[type[ResponseSerializer], type[ResponseSerializer]] = {}


def one_member_serializer(base: type[ResponseSerializer]) -> type[ResponseSerializer]:
    """`base` with the one-member attribute values (one class per base, made once)."""
    if base not in _one_member:
        _one_member[base] = type(f"OneMember{base.__name__}", (OneMemberAttributeValues, base), {})
    return _one_member[base]


class FastDynamoHandler(DynamoHandler):
    def serialized(self, action_result: ActionResult) -> TYPE_RESPONSE:
        """moto's `BaseResponse.serialized`, line for line, with the one-member serializer."""
        service_model = get_service_model(self.boto3_service_name)
        try:
            operation_model = service_model.operation_model(self._get_action())
        except OperationNotFoundError:
            assert isinstance(action_result.result, Exception)
            operation_model = OperationModel({}, service_model)
        protocol = self.determine_response_protocol(service_model)
        serializer_cls = one_member_serializer(get_serializer_class(service_model.service_name, protocol))
        context = ActionContext(service_model, operation_model, serializer_cls, self)
        status_code, headers, body = action_result.execute_result(context)
        headers.update(self.response_headers)
        return status_code, headers, body


_method_names: dict[type, list[str]] = {}
_moto_method_names = moto_core_responses.method_names_from_class


def kept_method_names(clazz: Any) -> list[str]:
    """moto's `call_action` lists the handler class's members (inspect.getmembers: ≈10 % of a GetItem) at every
    request; for this module's handler the list is made once (a class's methods do not change)."""
    if clazz is not FastDynamoHandler:
        return _moto_method_names(clazz)  # type: ignore[no-any-return]
    if clazz not in _method_names:
        _method_names[clazz] = _moto_method_names(clazz)
    return _method_names[clazz]


# What the fast backend's `_url_module` answers: moto's DynamoDB URLs, answered by the handler above.
urls = types.SimpleNamespace(url_bases=dynamodb_urls.url_bases, url_paths={"{0}/": FastDynamoHandler.dispatch})


class Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering the backend found for each host name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        if host in self.backends:
            return self.backends[host]
        backend = super().get_backend_for_host(host)
        if len(self.backends) < 1000:  # host names come from requests (the signature's region): keep a bound
            self.backends[host] = backend
        return backend


def install() -> None:
    moto_core_responses.method_names_from_class = kept_method_names  # type: ignore[assignment]  # used by name
