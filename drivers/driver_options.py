"""The base of every driver's options model: strict types, unknown keys refused, one-line errors.

Each driver owns a subclass (``camera_options.py``, ``alien_options.py``, ...). The lane config
validates ``[devices.options]`` against it, so a misspelt option is reported with its file and
line; a driver built by hand from a dict (tests, benchmarks) gets the same checks from
:meth:`DriverOptions.parse`, as a one-line ``ValueError`` naming the device and the option.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NoReturn, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

# What a driver's constructor accepts: its own model, or a table still to be checked.
OptionsInput = Mapping[str, object] | BaseModel | None


class DriverOptions(BaseModel):
    """``[devices.options]`` of one driver. Strict: TOML ``"2"`` is not 2, ``true`` is not 1."""

    # strict still takes an integer for a float (TOML writes 5 for 5.0), never a bool.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @classmethod
    def parse(cls, device: str, given: OptionsInput) -> Self:
        """The model itself, or the table validated into one (ValueError naming the option)."""
        if isinstance(given, cls):
            return given
        if isinstance(given, BaseModel):
            raise ValueError(f"device {device!r}: options of another driver ({type(given).__name__})")
        if given is not None and not isinstance(given, Mapping):
            raise ValueError(f"device {device!r}: options must be a table, got {type(given).__name__}")
        try:
            return cls.model_validate(dict(given or {}))
        except ValidationError as exc:
            raise ValueError(f"device {device!r}: {describe(cls, exc)}") from None


def describe(model: type[BaseModel], exc: ValidationError) -> str:
    """The first problem as ``unknown option 'x' (known: ...)`` or ``option 'x': why (got v)``."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"unknown option {key!r} (known: {', '.join(sorted(model.model_fields))})"
    why = err["msg"].removeprefix("Value error, ")
    if not key:  # a rule across options: the message names them
        return why
    why = why[:1].lower() + why[1:]
    return f"option {key!r}: {why} (got {err.get('input')!r})"


def reject(key: str | tuple[str, ...], why: str, value: object, title: str = "options") -> NoReturn:
    """Fail validation at option ``key`` (a rule across options still points at one key and line)."""
    loc = (key,) if isinstance(key, str) else key
    error = PydanticCustomError("option_rule", why)
    raise ValidationError.from_exception_data(title, [InitErrorDetails(type=error, loc=loc, input=value)])
