"""UpdateExpressions parsed once per text, for the emulator's DynamoDB backend (moto 5.2.5, like moto_dynamodb.py).

moto parses an UpdateExpression two or three times per request (to check its placeholders, then to apply it),
and its validator deep-copies the tree before resolving the placeholders in the copy: together ≈20 % of an
UpdateItem. The tree depends on the expression's text alone (names and values stay placeholders in it) and moto
never changes it in place, so the text is parsed once, and the validator's copy of a tree kept here is made from
its pickle (a quarter of a deep copy's cost), and its clause count is checked once (CountedOnce). Failures are
not kept: a bad expression is refused at every call.
Only while the fast backend serves: plain moto, the comparison tests' reference, parses and copies every time.
"""
from __future__ import annotations

import copy
import pickle
from typing import Any, Callable

from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

KEPT = 512  # expression texts (the API uses a few dozen): a bound on what clients can make the emulator keep
_moto_make = UpdateExpressionParser.make.__func__  # type: ignore[attr-defined]
_trees: dict[str, Any] = {}  # expression text -> its tree (never changed: moto copies it first)
_pickles: dict[int, bytes] = {}  # id of a kept tree -> its pickle (the tree is kept, so its id stays its own)


def _never() -> bool:
    return False


_enabled: Callable[[], bool] = _never


def parsed(expression: str) -> Any:
    tree = _trees.get(expression)
    if tree is None:
        tree = _moto_make(UpdateExpressionParser, expression)
        if len(_trees) < KEPT:
            _pickles[id(tree)] = pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
            _trees[expression] = tree
    return tree


def _make(cls: type, expression: str) -> Any:
    if cls is UpdateExpressionParser and _enabled():
        return parsed(expression)
    return _moto_make(cls, expression)


def _deepcopy(value: Any, memo: dict[int, Any] | None = None, _nil: Any = None) -> Any:
    kept = _pickles.get(id(value))  # kept trees live forever: no other object can have their id
    if kept is None:
        return copy.deepcopy(value, memo)
    tree = pickle.loads(kept)
    tree.jobledger_kept = id(value)  # which kept tree this copy is of (CountedOnce)
    return tree


_counted: set[int] = set()  # ids of kept trees whose clauses moto's ActionCountValidator has accepted


class CountedOnce(validators.ActionCountValidator):  # type: ignore[misc]
    """moto's check that an expression has at most one SET, REMOVE and ADD clause walks the tree again at every
    node (≈20 % of the emulator's CPU under load); its answer depends on the text alone, so the copy of a kept
    tree is checked until the check passes once. An expression it refuses is refused at every call."""

    def traverse(self, node: Any) -> Any:
        kept = getattr(node, "jobledger_kept", None)
        if kept is not None and kept in _counted:
            return node
        checked = super().traverse(node)
        if kept is not None:
            _counted.add(kept)
        return checked


def install(enabled: Callable[[], bool]) -> None:
    """Parse through the cache while `enabled()` (the fast backend serves DynamoDB)."""
    global _enabled
    _enabled = enabled
    UpdateExpressionParser.make = classmethod(_make)
    validators.deepcopy = _deepcopy  # type: ignore[assignment]  # the validator's copy of the tree it is given (moto imports it by name)
    validators.ActionCountValidator = CountedOnce  # type: ignore[misc]  # made by name in get_ast_processors
