"""Every write of on-call and incidents: one transaction each, audited, rules enforced."""

from oncall.services.escalation import escalation_policy_save
from oncall.services.incidents import (
    incident_acknowledge,
    incident_add_event,
    incident_create,
    incident_set_status,
    incident_update,
)
from oncall.services.postmortems import (
    action_item_create,
    action_item_update,
    postmortem_create,
    postmortem_transition,
    postmortem_update,
)
from oncall.services.rotations import (
    feed_reset,
    override_create,
    override_delete,
    rotation_create,
    rotation_delete,
    rotation_update,
    swap_accept,
    swap_decide,
    swap_propose,
)

__all__ = [
    "action_item_create",
    "action_item_update",
    "escalation_policy_save",
    "feed_reset",
    "incident_acknowledge",
    "incident_add_event",
    "incident_create",
    "incident_set_status",
    "incident_update",
    "override_create",
    "override_delete",
    "postmortem_create",
    "postmortem_transition",
    "postmortem_update",
    "rotation_create",
    "rotation_delete",
    "rotation_update",
    "swap_accept",
    "swap_decide",
    "swap_propose",
]
