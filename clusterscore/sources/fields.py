"""Field types shared by the source record models; each rejects a bad value with a message a person can act on."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from clusterscore.cvr_numbers import is_valid_cvr


def _cvr(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"CVR number must be 8 digits, got {type(value).__name__}")
    text = str(value)
    if not (len(text) == 8 and text.isdigit()):
        raise ValueError(f"CVR number must be 8 digits, got {text!r}")
    if not is_valid_cvr(text):
        raise ValueError(f"CVR number {text} fails the modulus-11 check")
    return int(text)


def _iso_date(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"not a calendar date: {value!r}") from exc
    return value


def _iso_datetime(value: str) -> str:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not a timestamp: {value!r}") from exc
    return value


Cvr = Annotated[int, BeforeValidator(_cvr)]
IsoDate = Annotated[str, Strict(), Field(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_iso_date)]
IsoDateTime = Annotated[str, Strict(), Field(pattern=r"^\d{4}-\d{2}-\d{2}[T ]"), AfterValidator(_iso_datetime)]
NonEmptyStr = Annotated[str, Strict(), Field(min_length=1)]
Count = Annotated[int, Strict(), Field(ge=0)]
Amount = Annotated[float, Strict(), Field(ge=0)]
Percent = Annotated[float, Strict(), Field(ge=0, le=100)]
Year = Annotated[int, Strict(), Field(ge=1900, le=2100)]


class Loose(BaseModel):
    """Unknown fields pass (sources add fields over time); known ones are checked."""

    model_config = ConfigDict(extra="allow")


def one_of(*values: str) -> Any:
    """A string field restricted to a value set, with the set in the error message."""
    allowed = frozenset(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {sorted(allowed)}")
        return value

    return Annotated[str, Strict(), AfterValidator(check)]
