"""A push request decoded from its bytes within bounds: `decode_push` turns the body (at most
`server.limits.BODY_CAPS[PUSH]`, 1 MiB) into a `protocol.wire.PushRequest`, or refuses it with 400 (malformed,
naming the first field and why) or 413 (more than 500 items).

The wire's own schema, decoded with pydantic straight from the bytes (one pass, in Rust), would make one validation
error per wrong item and per unknown key — a megabyte of `[{},{},…]` is 3.5 million errors, gigabytes and seconds to
build. So the server decodes with subclasses of the wire's models that differ in two ways only: the item list may
hold at most 500 items (pydantic checks a JSON array's length before its items: 413 at once), and unknown keys are
collected rather than each made an error, then refused here, naming the first. Every error pydantic can still make
is one per field of at most 500 items. What comes out is the wire's `PushRequest` (a subclass of it).

Thread: the API's worker threads (the push handler decodes on the pool, not on the event loop).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi.exceptions import RequestValidationError
from pydantic import ConfigDict, Field, ValidationError

from protocol.limits import MAX_PUSH_ITEMS
from protocol.vocabulary import ErrorCode
from protocol.wire import PushItem, PushRequest
from server.errors import ApiError

_EXTRA: Final = "Extra inputs are not permitted"  # pydantic's own words for `extra="forbid"`


class _Item(PushItem):
    model_config = ConfigDict(extra="allow")


class _Request(PushRequest):
    model_config = ConfigDict(extra="allow")
    items: Annotated[list[_Item], Field(max_length=MAX_PUSH_ITEMS)]  # type: ignore[assignment]


def decode_push(raw: bytes) -> PushRequest:
    """The push request in `raw`; raises `RequestValidationError` (answered 400 naming `body.items.N.field`) or
    `ApiError` 413 `batch_too_large`."""
    try:
        request = _Request.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        for error in errors:
            if error["type"] == "too_long" and tuple(error["loc"]) == ("items",):
                count = (error.get("ctx") or {}).get("actual_length", "more")
                raise ApiError(
                    413,
                    ErrorCode.BATCH_TOO_LARGE,
                    f"at most {MAX_PUSH_ITEMS} items per push, got {count}",
                    field="items",
                ) from None
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in errors]) from None
    _refuse_extra(request.model_extra, ("body",))
    for index, item in enumerate(request.items):
        _refuse_extra(item.model_extra, ("body", "items", index))
    return request


def _refuse_extra(extra: dict[str, Any] | None, where: tuple[str | int, ...]) -> None:
    if extra:
        name = next(iter(extra))
        raise RequestValidationError([{"type": "extra_forbidden", "loc": (*where, name), "msg": _EXTRA}])
