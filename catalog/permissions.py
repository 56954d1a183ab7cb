"""Who may change what in the catalog.

A team's members edit the entities their team is Responsible or Accountable for; a person who is R or A edits
them too; the lead edits everything; stakeholders read. The grants are django-guardian object permissions on
each entity, given to the team's group or the person's user whenever ownership or membership changes.
"""

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, get_groups_with_perms, get_users_with_perms, remove_perm
from rest_framework import permissions

from catalog.choices import RaciRole
from catalog.models import Entity, Membership, Team
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


def sync_entity_grants(entity: Entity) -> None:
    """Grant change rights to the entity's R and A parties, and take them from everyone else."""
    base = Entity(pk=entity.pk)  # guardian keys grants on the class: always grant on the Entity row
    ownerships = list(entity.ownerships.filter(role__in=EDITING_ROLES).select_related("team", "person__user"))
    groups = {team_group(o.team) for o in ownerships if o.team_id}
    users = {o.person.user for o in ownerships if o.person_id and o.person.user_id}
    for group in get_groups_with_perms(base, attach_perms=False):
        if group not in groups:
            remove_perm(CHANGE_ENTITY, group, base)
    for user in get_users_with_perms(base, with_group_users=False):
        if user not in users:
            remove_perm(CHANGE_ENTITY, user, base)
    for party in groups | users:
        assign_perm(CHANGE_ENTITY, party, base)


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
