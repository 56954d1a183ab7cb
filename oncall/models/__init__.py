"""Models of on-call and incidents, one module per concept."""

from oncall.models.escalation import EscalationPolicy, EscalationStep
from oncall.models.incidents import Incident, IncidentEvent
from oncall.models.postmortems import ActionItem, Postmortem
from oncall.models.rotations import CalendarFeed, Override, Rotation, RotationParticipant, SwapRequest

__all__ = [
    "ActionItem",
    "CalendarFeed",
    "EscalationPolicy",
    "EscalationStep",
    "Incident",
    "IncidentEvent",
    "Override",
    "Postmortem",
    "Rotation",
    "RotationParticipant",
    "SwapRequest",
]
