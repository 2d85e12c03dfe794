"""Everything a recommendation is made from, gathered before the rules run."""

from __future__ import annotations

from dataclasses import dataclass

from garita.station.core.crossing_facts import Observed
from garita.station.declarations.declaration import Declaration
from garita.station.declarations.discrepancies import Discrepancy
from garita.station.watchlist.matching import Hit


@dataclass(frozen=True)
class RiskInputs:
    """The facts about one crossing that rules may test."""

    observed: Observed
    hits: tuple[Hit, ...] = ()
    declaration: Declaration | None = None
    discrepancies: tuple[Discrepancy, ...] = ()
    watchlist_version: int | None = None
    watchlist_stale: bool = True

    def document_flags(self) -> set[str]:
        flags = {"bad_check_digit" for d in self.observed.documents if not d.check_digits_ok}
        return flags | {"expired" for d in self.observed.documents if d.expired}

    @property
    def declaration_missing(self) -> bool:
        return self.declaration is None and self.observed.commercial
