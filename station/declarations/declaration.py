"""A pre-arrival declaration as central sends it: the trip, its people, vehicles, boxes and goods."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Driver(Strict):
    name: str = Field(default="", max_length=120)
    document_number: str | None = Field(default=None, max_length=32)
    document_country: str | None = Field(default=None, max_length=3)
    fast_card: str | None = Field(default=None, max_length=32)
    tag_epc: str | None = Field(default=None, max_length=64)


class Container(Strict):
    number: str = Field(min_length=10, max_length=16)
    seals: list[str] = Field(default_factory=list, max_length=8)


class GoodsLine(Strict):
    hs_code: str = Field(pattern=r"^[0-9]{4,10}$")
    description: str = Field(max_length=200)
    value: float = Field(ge=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    weight_kg: float = Field(ge=0)
    origin: str = Field(max_length=3)


class Declaration(Strict):
    """One expected trip; every strong key it lists can match a crossing to it."""

    id: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)
    scn: str | None = Field(default=None, max_length=16, title="PAPS shipment control number")
    pedimentos: list[str] = Field(default_factory=list, max_length=16)
    trip_id: str | None = Field(default=None, max_length=64)
    carrier_scac: str | None = Field(default=None, max_length=4)
    driver: Driver = Field(default_factory=Driver)
    tractor_plate: str | None = Field(default=None, max_length=16)
    trailer_plates: list[str] = Field(default_factory=list, max_length=4)
    containers: list[Container] = Field(default_factory=list, max_length=8)
    goods: list[GoodsLine] = Field(default_factory=list, max_length=500)
    importer: str = Field(default="", max_length=200)
    exporter: str = Field(default="", max_length=200)
    arrival_from: AwareDatetime
    arrival_until: AwareDatetime
    pre_arrival_risk: Literal["low", "medium", "high"] = "low"

    def expected_at(self, now: datetime) -> bool:
        """Whether ``now`` is inside the declared arrival window."""
        return self.arrival_from <= now <= self.arrival_until
