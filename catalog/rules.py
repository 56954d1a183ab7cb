"""The catalog's domain rules (R1, R9, R10, R11) as pure functions that return what is wrong.

Services enforce them (refusing a change), pages and the API flag them; each rule lives here once.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.choices import RaciRole

SUBTEAM_LEAD_THRESHOLD = 3  # R1: from three engineers on, a subteam needs a subteam lead


@dataclass(frozen=True)
class OwnerSpec:
    """One RACI row to be: a party (a team or a person) and its role."""

    role: str
    team: object = None
    person: object = None

    @property
    def party(self):
        return self.team or self.person


def _owner_key(owner: OwnerSpec) -> tuple:
    return (type(owner.party).__name__, getattr(owner.party, "pk", None), str(owner.party), owner.role)


def raci_violations(owners: Iterable[OwnerSpec]) -> list[str]:
    """R9: exactly one Accountable and at least one Responsible; a party may hold several roles, each once."""
    owners = list(owners)
    problems = []
    for owner in owners:
        if (owner.team is None) == (owner.person is None):
            problems.append("Each owner is either a team or a person.")
        if owner.role not in RaciRole.values:
            problems.append(f"'{owner.role}' is not a RACI role: use R, A, C or I.")
    accountable = [o for o in owners if o.role == RaciRole.ACCOUNTABLE]
    if not accountable:
        problems.append("Name exactly one Accountable (A) owner.")
    elif len(accountable) > 1:
        names = ", ".join(str(o.party) for o in accountable)
        problems.append(f"Only one Accountable (A) owner is allowed, not {len(accountable)} ({names}).")
    if not any(o.role == RaciRole.RESPONSIBLE for o in owners):
        problems.append("Name at least one Responsible (R) owner.")
    counts = Counter(_owner_key(o) for o in owners if o.party is not None)
    for key, n in counts.items():
        if n > 1:
            problems.append(f"{key[2]} is listed as {key[3]} more than once.")
    return problems


def publish_missing(*, consumers: int, slos: int, versions: int, documentation: str, url: str) -> list[str]:
    """R10: what a data product still lacks before it can be published (empty when it is ready)."""
    missing = []
    if consumers == 0:
        missing.append("a consumer (a team or a named stakeholder)")
    if slos == 0:
        missing.append("an SLO")
    if versions == 0:
        missing.append("a version with a changelog")
    if not ((documentation or "").strip() or (url or "").strip()):
        missing.append("documentation")
    return missing


def needs_subteam_lead(*, is_subteam: bool, engineers: int, subteam_leads: int) -> bool:
    """R1 (and R2: the subteam lead is a technical point of contact, not a manager)."""
    return is_subteam and engineers >= SUBTEAM_LEAD_THRESHOLD and subteam_leads == 0


def tier1_gaps(*, tier: int, has_accountable: bool, has_runbook: bool) -> list[str]:
    """R11: a tier-1 entity needs an owner and a runbook."""
    if tier != 1:
        return []
    gaps = []
    if not has_accountable:
        gaps.append("no accountable owner")
    if not has_runbook:
        gaps.append("no runbook")
    return gaps


def completeness_percent(done: int, total: int) -> float | None:
    """R11's KPI: the share of entities with a runbook; None when there is nothing to count."""
    if total == 0:
        return None
    return round(100 * done / total, 1)
