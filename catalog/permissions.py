"""Who may change what in the catalog.

A team's members edit the entities their team is Responsible or Accountable for; a person who is R or A edits
them too; the lead edits everything; stakeholders read. The grants are django-guardian object permissions on
each entity, given to the team's group or the person's user whenever ownership or membership changes.
"""

import functools
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import GroupObjectPermission, UserObjectPermission
from rest_framework import permissions

from catalog.choices import RaciRole
from catalog.models import Entity, Membership, Ownership, Team
from portal.roles import is_lead, is_read_only

CHANGE_ENTITY = "catalog.change_entity"
EDITING_ROLES = (RaciRole.RESPONSIBLE, RaciRole.ACCOUNTABLE)


def team_group(team: Team) -> Group:
    """The team's group, created on first use."""
    if team.group_id is None:
        team.group, _ = Group.objects.get_or_create(name=f"team:{team.slug}")
        Team.objects.filter(pk=team.pk).update(group=team.group)
    return team.group


def sync_team_members(team: Team) -> None:
    """Make the team's group hold exactly the users of its members."""
    users = [m.person.user for m in team.memberships.select_related("person__user") if m.person.user_id]
    team_group(team).user_set.set(users)


@functools.cache
def change_entity_permission() -> tuple[ContentType, Permission]:
    """Read once per process; forgotten after a migration or a flush in this process, which may give the rows new
    ids (other processes keep it until they restart, as Django's own content type cache)."""
    content_type = ContentType.objects.get_for_model(Entity)
    return content_type, Permission.objects.get(content_type=content_type, codename="change_entity")


def _grant_kind() -> dict:
    """What every edit grant row holds besides its object and party."""
    content_type, permission = change_entity_permission()
    return {"content_type": content_type, "permission": permission}


def sync_grants(entity_ids: Sequence[int]) -> None:
    """The edit grants of these entities rebuilt from their R and A parties: a handful of queries for one entity
    or for a whole import (django-guardian's shortcuts cost a dozen per entity)."""
    teams_without_group = Team.objects.filter(
        group__isnull=True, ownerships__entity_id__in=entity_ids, ownerships__role__in=EDITING_ROLES
    ).distinct()
    for team in teams_without_group:
        team_group(team)
    keys = [str(pk) for pk in entity_ids]  # guardian keys grants by text, on the Entity class
    GroupObjectPermission.objects.filter(object_pk__in=keys, **_grant_kind()).delete()
    UserObjectPermission.objects.filter(object_pk__in=keys, **_grant_kind()).delete()
    parties = (
        Ownership.objects.filter(entity_id__in=entity_ids, role__in=EDITING_ROLES)
        .order_by()
        .values_list("entity_id", "team__group_id", "person__user_id")
    )
    _write_grants(set(parties))


def grant_new_owners(ownerships: Iterable[Ownership]) -> None:
    """The edit grants of a new entity's RACI rows, from the rows in hand (their teams and people loaded): no
    reads, where `sync_grants` reads the rows back."""
    parties = {
        (
            o.entity_id,
            (o.team.group_id or team_group(o.team).pk) if o.team_id else None,
            o.person.user_id if o.person_id else None,
        )
        for o in ownerships
        if o.role in EDITING_ROLES
    }
    _write_grants(parties)


def _write_grants(parties: set[tuple[int, int | None, int | None]]) -> None:
    """Grant (entity id, group id, user id) parties the edit permission on their entity."""
    common = _grant_kind()
    GroupObjectPermission.objects.bulk_create(
        [GroupObjectPermission(object_pk=str(e), group_id=g, **common) for e, g, _ in parties if g],
        batch_size=5000,
        ignore_conflicts=True,  # a sync of the same entity running at the same time wrote it already
    )
    UserObjectPermission.objects.bulk_create(
        [UserObjectPermission(object_pk=str(e), user_id=u, **common) for e, _, u in parties if u],
        batch_size=5000,
        ignore_conflicts=True,
    )


def can_edit_entity(user, entity: Entity) -> bool:
    if not user.is_authenticated or is_read_only(user):
        return False
    return is_lead(user) or user.has_perm(CHANGE_ENTITY, Entity(pk=entity.pk))


def can_create_entities(user) -> bool:
    return user.is_authenticated and not is_read_only(user)


def user_team_ids(user) -> set[int]:
    """The teams `user` is a member of (any role), read once per request user."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_portal_team_ids", None)
    if cached is None:
        cached = set(Membership.objects.filter(person__user=user).values_list("team_id", flat=True))
        user._portal_team_ids = cached
    return cached


def can_manage_team(user, team: Team) -> bool:
    """The lead manages every team; a member manages their own team's things (rotations, scopes, ...)."""
    if not user.is_authenticated or is_read_only(user):
        return False
    return is_lead(user) or team.pk in user_team_ids(user)


class CatalogEntityPermission(permissions.BasePermission):
    """API: everyone signed in reads; engineers create; editing needs the entity's grant (or the lead)."""

    message = "Only the owning team (Responsible or Accountable) or the lead may change this."

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_create_entities(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_edit_entity(request.user, obj)
