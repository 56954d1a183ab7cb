"""The registry of self-service actions, by id."""

from selfservice.actions.base import Action, ApprovalNeed
from selfservice.actions.kafka_topic import CreateKafkaTopic

ACTIONS: dict[str, Action] = {action.id: action for action in (CreateKafkaTopic(),)}

__all__ = ["ACTIONS", "Action", "ApprovalNeed", "get_action"]


def get_action(action_id: str) -> Action | None:
    return ACTIONS.get(action_id)
