"""Four eyes on the riskiest override: letting go a vehicle the lane says to detain needs a supervisor.

An officer who releases (or sends to secondary) against a ``detain`` recommendation types a supervisor's
id and PIN into the same confirm bar; a supervisor signed in at the booth decides alone. Failed PINs
count against the supervisor's id in the same throttle as sign-in, and are audited.
"""

from __future__ import annotations

from garita.station.booth.audit_view import audit
from garita.station.booth.context import BoothContext
from garita.station.booth.decisions import DecisionRefused
from garita.station.booth.officer_accounts import Officer, checked_pin
from garita.station.booth.throttle import Throttled


def cosign_applies(booth: BoothContext, deciding: Officer) -> bool:
    """True when this officer's detain overrides need a supervisor (the booth screen shows the PIN fields)."""
    return booth.config.detain_override_needs_supervisor and deciding.role != "supervisor"


async def cosigner(booth: BoothContext, body: dict, deciding: Officer, crossing_id: str) -> str:
    """The supervisor's id once their PIN checks out; raises DecisionRefused otherwise."""
    supervisor_id = str(body.get("supervisor_id", "")).strip()
    pin = str(body.get("supervisor_pin", ""))
    if not supervisor_id or not pin:
        raise DecisionRefused("supervisor_required")
    # An active supervisor other than the deciding officer, with this PIN.
    def other_supervisor(officer: Officer) -> bool:
        return officer.role == "supervisor" and officer.id != deciding.id

    try:
        supervisor = await checked_pin(booth.store, booth.throttle, supervisor_id, pin, f"officer:{deciding.id}",
                                       other_supervisor)
    except Throttled as refused:
        raise DecisionRefused(refused.reason) from None
    if supervisor is None:
        audit(booth.store, f"officer:{deciding.id}", "booth.cosign_failed", {"supervisor_id": supervisor_id},
              crossing_id)
        raise DecisionRefused("supervisor_refused")
    return supervisor_id
