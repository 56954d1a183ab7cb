"""The registry of self-service actions, by id: every Action subclass in a module of this package."""

import importlib
import inspect
import pkgutil

from selfservice.actions.base import Action, ApprovalNeed

__all__ = ["ACTIONS", "Action", "ApprovalNeed", "get_action"]

# Modules of this package that define no action.
_NOT_ACTIONS = {"base", "forms"}


def _discover() -> dict[str, Action]:
    found: dict[str, Action] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name in _NOT_ACTIONS or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls is not Action and cls.__module__ == module.__name__:
                found[cls.id] = cls()
    return found


ACTIONS: dict[str, Action] = _discover()


def get_action(action_id: str) -> Action | None:
    return ACTIONS.get(action_id)
