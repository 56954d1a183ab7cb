"""The sign-in roles of the portal, as Django groups."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group

from portal import prepared

LEAD = "lead"
ENGINEER = "engineer"
STAKEHOLDER = "stakeholder"
ALL_ROLES = (LEAD, ENGINEER, STAKEHOLDER)


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """The role groups of `user`, read once per request object."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        # Prepared: every write of the API asks, and building the query cost more than running it.
        cached = {name for (name,) in prepared.values_list(_role_names, [user.pk])}
        user._portal_roles = cached
    return cached


def _role_names(user_ids):
    return Group.objects.filter(user__id__in=user_ids, name__in=ALL_ROLES).values_list("name")


def is_lead(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and (user.is_superuser or LEAD in user_roles(user))


def is_read_only(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Stakeholders (and users without a role) read; engineers and leads may write where rules allow."""
    if not user.is_authenticated:
        return True
    if user.is_superuser:
        return False
    return not (user_roles(user) & {LEAD, ENGINEER})
