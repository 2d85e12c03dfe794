"""The decision rule of the booth: an override of the recommendation needs a reason."""

from __future__ import annotations

from dataclasses import dataclass

ACTIONS = ("release", "secondary", "detain")
# Codes the officer picks from (their texts are in the catalogs); "other" needs typed text.
OVERRIDE_REASONS = ("documents_verified", "false_match", "supervisor_instruction", "officer_judgement", "other")
MAX_REASON = 300


class DecisionRefused(ValueError):
    """The decision breaks a booth rule; ``code`` names it for the screen's catalog."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class DecisionRequest:
    action: str
    reason_code: str = ""
    reason_text: str = ""


def reason_for(request: DecisionRequest, recommendation: str | None,
               waiting_for: list[str] | None = None) -> tuple[str, bool]:
    """The reason to store and whether this is an override; raises DecisionRefused if the rule is broken.

    Releasing a crossing whose expected reads are not all in (``waiting_for``) needs a reason too."""
    if request.action not in ACTIONS:
        raise DecisionRefused("bad_action")
    code, text = request.reason_code.strip(), request.reason_text.strip()[:MAX_REASON]
    if code and code not in OVERRIDE_REASONS:
        raise DecisionRefused("bad_reason")
    if code == "other" and not text:
        raise DecisionRefused("reason_text_required")
    override = recommendation is not None and request.action != recommendation
    if override and not (code or text):
        raise DecisionRefused("override_reason_required")
    if waiting_for and request.action == "release" and not (code or text):
        raise DecisionRefused("incomplete_reason_required")
    reason = ": ".join(part for part in (code if code != "other" else "", text) if part)
    if waiting_for and request.action == "release":
        reason = f"released before {', '.join(waiting_for)} ({reason})"
    if override:
        reason = f"override of {recommendation} ({reason})"
    return reason, override
