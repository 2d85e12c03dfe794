"""What every lane config table shares: strict about unknown keys, frozen once loaded."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]


class StrictModel(BaseModel):
    """Every config table: a misspelt or unknown key is an error, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
