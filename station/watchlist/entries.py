"""One watchlist entry as central sends it: what to look for, what to do, and why in both languages."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

EntryKind = Literal["plate", "container", "document", "person", "rfid", "carrier"]
KINDS: tuple[str, ...] = ("plate", "container", "document", "person", "rfid", "carrier")


class EntryAction(StrEnum):
    DETAIN = "detain"
    REFER = "refer"
    NOTIFY = "notify"


# What each kind must carry to be matchable at all.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "plate": ("plate",), "container": ("container",), "document": ("number",),
    "person": ("names",), "rfid": ("epc",), "carrier": (),
}


class Entry(BaseModel):
    """A listed plate, container, document, person, tag or carrier; unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64)
    kind: EntryKind
    action: EntryAction
    reason_code: str = Field(min_length=1, max_length=32)
    reason_en: str = Field(min_length=1, max_length=500)
    reason_es: str = Field(min_length=1, max_length=500)
    agency: Literal["US", "MX", "joint"]
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    version: int = Field(ge=0)
    # kind-specific values
    plate: str | None = Field(default=None, max_length=16)
    state: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, max_length=3)
    container: str | None = Field(default=None, max_length=16)
    number: str | None = Field(default=None, max_length=32)
    doc_type: str | None = Field(default=None, max_length=4)
    names: list[str] | None = Field(default=None, max_length=16)
    dob: date | None = None
    nationality: str | None = Field(default=None, max_length=3)
    epc: str | None = Field(default=None, max_length=64)
    scac: str | None = Field(default=None, max_length=4)
    rfc: str | None = Field(default=None, max_length=13)
    company: str | None = Field(default=None, max_length=120)

    @model_validator(mode="after")
    def _has_its_values(self) -> Entry:
        missing = [name for name in _REQUIRED[self.kind] if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.kind} entry {self.id!r} lacks {', '.join(missing)}")
        if self.kind == "carrier" and not (self.scac or self.rfc):
            raise ValueError(f"carrier entry {self.id!r} needs a scac or an rfc")
        return self

    def in_force(self, now: datetime) -> bool:
        """Whether the entry applies at ``now`` (its validity window, open ends allowed)."""
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until)
