"""An assessment in the shape the booth screen renders (see station/booth/risk_panel.py)."""

from __future__ import annotations

from typing import Any

# The screen knows release/secondary/detain; a watchlist "refer" means secondary, "notify" means release.
SCREEN_ACTION = {"detain": "detain", "refer": "secondary", "notify": "release"}


def _hit(hit: dict[str, Any]) -> dict[str, Any]:
    return {"list": f"{hit['agency']} watchlist · {hit['tier']}", "action": SCREEN_ACTION[hit["action"]],
            "matched": hit["listed"], "queried": hit.get("queried", ""),
            "reason": {"en": hit["reason_en"], "es": hit["reason_es"]}}


def booth_view(detail: dict[str, Any]) -> dict[str, Any]:
    """Recommendation, bilingual reasons, hits and declaration discrepancies."""
    declaration = detail.get("declaration")
    items = [{"field": d["field"], "declared": d["declared"], "observed": d["observed"],
              "text": {"en": d["en"], "es": d["es"]}} for d in detail.get("discrepancies", [])]
    shown = None
    if declaration or items:
        shown = {"id": (declaration or {}).get("id", ""), "kind": "pre-arrival", "discrepancies": items}
    return {"recommendation": detail["recommendation"],
            "reasons": [{"en": r["en"], "es": r["es"]} for r in detail.get("reasons", [])],
            "hits": [_hit(h) for h in detail.get("hits", [])], "declaration": shown,
            "waiting_for": list(detail.get("waiting_for", []))}
