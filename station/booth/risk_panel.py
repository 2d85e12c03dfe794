"""The risk assessment shown for a crossing, fetched through the booth's ``assessment`` service.

The wiring hands the booth ``BoothServices.assessment``: ``Callable[[str], dict | None]`` (crossing
id in, assessment out), None while no risk engine is attached. The screen expects this shape::

    {
      "recommendation": "release" | "secondary" | "detain" | None,
      "reasons": [{"en": "...", "es": "..."}],
      "hits": [{"list": "...", "action": "detain", "matched": "8XYZ123",
                "reason": {"en": "...", "es": "..."}}],
      "declaration": {"id": "...", "kind": "...", "discrepancies": [
                       {"field": "...", "declared": "...", "observed": "...",
                        "text": {"en": "...", "es": "..."}}]} | None,
      "waiting_for": ["plate", "document", ...],   # not final until empty
    }

Texts come from the engine in both languages; the screen shows the officer's.
"""

from __future__ import annotations

import logging
from typing import Any

from garita.station.booth.services import BoothServices
from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.booth")
ACTIONS = ("release", "secondary", "detain")


def _bilingual(value: object) -> dict[str, str]:
    """A text in both languages; a plain string is used for both (better shown than dropped)."""
    if isinstance(value, dict):
        en, es = value.get("en") or value.get("es") or "", value.get("es") or value.get("en") or ""
        return {"en": str(en), "es": str(es)}
    return {"en": str(value or ""), "es": str(value or "")}


def _hit(raw: dict) -> dict[str, Any]:
    action = raw.get("action") if raw.get("action") in ACTIONS else "secondary"
    return {"list": str(raw.get("list", "")), "action": action, "matched": str(raw.get("matched", "")),
            "queried": str(raw.get("queried", "")),
            "reason": _bilingual(raw.get("reason"))}


def _declaration(raw: object) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    items = [{"field": str(d.get("field", "")), "declared": str(d.get("declared", "")),
              "observed": str(d.get("observed", "")), "text": _bilingual(d.get("text"))}
             for d in raw.get("discrepancies", []) if isinstance(d, dict)]
    return {"id": str(raw.get("id", "")), "kind": str(raw.get("kind", "")), "discrepancies": items}


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Keep only what the screen renders, with safe defaults, whatever the engine sent."""
    recommendation = raw.get("recommendation")
    return {
        "recommendation": recommendation if recommendation in ACTIONS else None,
        "reasons": [_bilingual(r) for r in raw.get("reasons", [])],
        "hits": [_hit(h) for h in raw.get("hits", []) if isinstance(h, dict)],
        "declaration": _declaration(raw.get("declaration")),
        "waiting_for": [str(w) for w in raw.get("waiting_for", []) if isinstance(w, str)],
    }


def assessment_of(services: BoothServices, crossing_id: str) -> dict[str, Any] | None:
    """The crossing's assessment, or None when no engine is attached or it fails (the lane goes on)."""
    assessor = services.assessment
    if assessor is None:
        return None
    try:
        raw = assessor(crossing_id)
    except Exception as exc:  # a broken engine must not blank the screen; the officer still decides
        log_event(log, "booth.assessment_failed", logging.ERROR, crossing=crossing_id, error=repr(exc))
        return None
    return normalise(raw) if isinstance(raw, dict) else None
