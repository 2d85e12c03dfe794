"""The lane's risk engine: assess a crossing from its stored reads, record changes with audit and outbox.

The wiring subscribes :meth:`Assessor.on_lane_event` to the lane; after each recorded read the
crossing is re-assessed, and a new ``assessments`` row (append-only) is written, with its audit
entry and outbox message in the same transaction, only when the recommendation, reasons or
evidence changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from garita.station.config.lane_config import LaneConfig
from garita.station.core.crossing_facts import observe
from garita.station.core.ids import uuid7
from garita.station.declarations import declaration_store as declaration_store
from garita.station.declarations import discrepancies
from garita.station.ops.event_log import log_event
from garita.station.risk import expected, sampling
from garita.station.risk.assessment import Assessment, assess
from garita.station.risk.booth_view import booth_view
from garita.station.risk.inputs import RiskInputs
from garita.station.risk.lookups import watchlist_hits
from garita.station.storage import assessments_repo
from garita.station.storage.assessments_repo import AssessmentRecord
from garita.station.storage.lane_store import LaneStore
from garita.station.watchlist.cache import Watchlist

log = logging.getLogger("garita.risk")
PRIORITY_ALERT, PRIORITY_ASSESSMENT = 1, 3  # an alert jumps a read backlog, like a decision


class Assessor:
    """Assesses crossings of one lane against its watchlist, declarations and rules."""

    def __init__(self, store: LaneStore, watchlist: Watchlist, config: LaneConfig,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 tell: Callable[[str, dict[str, Any]], None] = lambda event, detail: None):
        self.store = store
        self.watchlist = watchlist
        self.config = config
        self.clock = clock
        self._confusions = watchlist.settings.confusions()
        self.tell = tell  # the lane's listeners: the booth hears of an alert after a decision

    def gather(self, crossing_id: str, now: datetime) -> RiskInputs:
        """Reads, watchlist hits, the matching declaration and its discrepancies."""
        observed = observe(self.store.reads_of(crossing_id), now.date())
        matcher = self.watchlist.matcher()
        hits = watchlist_hits(matcher, observed, now) if matcher else ()
        version, stale = self.watchlist.freshness(now)
        candidates = declaration_store.candidates(self.store, discrepancies.observed_keys(observed))
        declaration = discrepancies.find(candidates, observed)
        found = discrepancies.compare(declaration, observed, now, self._confusions) if declaration else []
        if declaration is None and observed.commercial:
            found = [discrepancies.missing(observed)]
        return RiskInputs(observed, hits, declaration, tuple(found), version, stale)

    def evaluate(self, crossing_id: str, sample: sampling.Sample | None = None) -> Assessment:
        """The assessment now, written nowhere; incomplete while expected reads are missing."""
        inputs = self.gather(crossing_id, self.clock())
        kind = expected.crossing_kind(inputs.observed, self.config.lane.lane_type)
        missing = expected.waiting_for(inputs.observed, kind, self.config.risk.expected, inputs.declaration is not None)
        found = assess(inputs, list(self.config.risk.rules), sample)
        return replace(found, kind=kind, waiting_for=tuple(missing))

    def latest(self, crossing_id: str) -> dict[str, Any] | None:
        """The last recorded assessment detail of a crossing."""
        latest = assessments_repo.latest(self.store, crossing_id)
        return latest.detail if latest else None

    def record(self, crossing_id: str) -> tuple[Assessment, bool]:
        """Assess and, if anything changed, record it; returns the assessment and whether it was new."""
        previous = self.latest(crossing_id)
        sample = sampling.from_dict(previous and previous.get("sample"))
        if sample is None and self.config.risk.sample_rate > 0:
            sample = sampling.draw(self.config.risk.sample_rate)  # once per crossing, kept from then on
        assessment = self.evaluate(crossing_id, sample)
        detail = json.loads(json.dumps(assessment.detail(), default=str))  # the form it is stored and compared in
        if detail == previous:
            return assessment, False
        self._write(crossing_id, assessment, detail)
        return assessment, True

    def _write(self, crossing_id: str, assessment: Assessment, detail: dict[str, Any]) -> None:
        now = self.clock()
        declaration = assessment.inputs.declaration
        alert = bool(assessment.inputs.hits) or assessment.recommendation != "release"
        with self.store.transaction() as tx:
            assessment_id = uuid7()
            assessments_repo.append(tx, AssessmentRecord(
                assessment_id, crossing_id, assessment.recommendation, detail, assessment.inputs.watchlist_version,
                declaration.id if declaration else None, declaration.version if declaration else None,
                now.isoformat()))
            summary = {"assessment_id": assessment_id, "recommendation": assessment.recommendation,
                       "reasons": [r.code for r in assessment.reasons],
                       "hits": [h.entry_id for h in assessment.inputs.hits], "sample": detail["sample"]}
            tx.audit(now, "risk", "crossing.assessed", crossing_id, summary)
            tx.outbox(now, "assessment", {**detail, "assessment_id": assessment_id, "crossing_id": crossing_id,
                                          "lane": self.config.lane.id, "at": now.isoformat()},
                      PRIORITY_ALERT if alert else PRIORITY_ASSESSMENT)

    def booth_view(self, crossing_id: str) -> dict[str, Any] | None:
        """What the booth screen shows (its ``assessment`` service): the last recorded assessment."""
        detail = self.latest(crossing_id)
        return booth_view(detail) if detail else None

    def on_lane_event(self, event: str, detail: dict[str, Any]) -> None:
        """Daemon listener: re-assess the crossing after each recorded read."""
        if event != "read.recorded":
            return
        before = self.latest(detail["crossing_id"])
        assessment, changed = self.record(detail["crossing_id"])
        if changed:
            self._alert_if_decided(detail["crossing_id"], before, assessment)
            log_event(log, "crossing.assessed", crossing=detail["crossing_id"],
                      recommendation=assessment.recommendation,
                      reasons=",".join(r.code for r in assessment.reasons) or "none",
                      hits=",".join(h.entry_id for h in assessment.inputs.hits) or "none")


    def _alert_if_decided(self, crossing_id: str, before: dict[str, Any] | None, assessment: Assessment) -> None:
        """A watchlist hit that arrives after the decision: an alert at once, on the booth and upstream."""
        decision = self.store.decision_of(crossing_id)
        known = {h["entry_id"] for h in (before or {}).get("hits", [])}
        new = [h for h in assessment.inputs.hits if h.entry_id not in known]
        if decision is None or not new:
            return
        now = self.clock()
        alert = {"crossing_id": crossing_id, "lane": self.config.lane.id, "decision_id": decision["id"],
                 "decided": decision["action"], "recommendation": assessment.recommendation,
                 "hits": [h.as_dict() for h in new], "at": now.isoformat()}
        with self.store.transaction() as tx:
            tx.audit(now, "risk", "crossing.alert_after_decision", crossing_id,
                     {"decision_id": decision["id"], "hits": [h.entry_id for h in new]})
            tx.outbox(now, "alert", {**alert, "kind": "hit_after_decision", "severity": "high",
                                     "reason": "watchlist hit after the decision"}, PRIORITY_ALERT)
        log_event(log, "crossing.alert_after_decision", logging.WARNING, crossing=crossing_id,
                  decided=decision["action"], hits=",".join(h.entry_id for h in new))
        self.tell("alert.after_decision", alert)
