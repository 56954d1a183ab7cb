"""A team's services or data products (`?team=` alone), paged with one prepared query per page.

"What does this team own?" is the list filter the catalog is read by most, and its generic path spent longer around
its query than in it (docs/benchmarks.md): django-filter built and validated its form and looked the team up by
slug (a round trip), then the ORM built the filtered query and PostgreSQL planned it, on every request. Here the
query is built once per model and ordering, with the team's slug inside it, and runs as a prepared statement that
also says whether the team exists. One plan serves every team: it walks the team's ownerships, and the count of a
full first page visits all of them whatever the plan.

Anything else takes the generic path (catalog/filters.py), which stays the one definition of the filter: another
filter beside `team`, SQLite, and an unknown team or a page that does not exist (for the filter's own 400 first).
With prepared statements off (`DATABASE_PREPARED_STATEMENTS=false`) the same query is planned per request.
"""

from collections.abc import Mapping
from functools import cache

from django.db import connection
from django.db.models import Model

from catalog.api import read_model
from catalog.filters import owned_by
from catalog.models import Team
from portal import prepared

_PROBES = prepared.placeholders(3, numeric=False)  # the slug, then the page's LIMIT and OFFSET


class UnknownTeam(LookupError):
    """No team has the slug: the caller answers through the generic path, whose filter names the error."""


def team_alone(params: Mapping[str, str], named_filters: set[str]) -> str | None:
    """The slug of `?team=` when it is the only filter the query names and this path can answer it (PostgreSQL: its
    query builds an array), else None."""
    if connection.vendor != "postgresql" or named_filters != {"team"}:
        return None
    slug = params["team"]  # the last value when repeated, as django-filter reads it
    return slug if slug and "\x00" not in slug else None


class TeamIds:
    """The ids of the services or data products (`model`) that the team owns (Responsible or Accountable), in
    `ordering`: what Django's Paginator pages through, as it would a queryset (`count()`, slices)."""

    def __init__(self, model: type[Model], slug: str, ordering: tuple[str, ...]):
        self.slug = slug
        self.page_query, self.count_query = _compiled(model, ordering)

    def count(self) -> int:
        return self._run(self.count_query, (self.slug, self.slug))

    def __getitem__(self, page: slice) -> list[int]:
        start = page.start or 0
        return self._run(self.page_query, (self.slug, self.slug, page.stop - start, start))

    def _run(self, compiled: prepared.Compiled, values: tuple):
        (team_exists, answer), *_ = prepared.rows(compiled, values)
        if not team_exists:
            raise UnknownTeam(self.slug)
        return answer


@cache
def _compiled(model: type[Model], ordering: tuple[str, ...]) -> tuple[prepared.Compiled, prepared.Compiled]:
    """(page, count) of the team's rows, each answered as one row: whether the team exists, the ids or the count."""
    slug, limit, offset = _PROBES
    owned = read_model.listed(model).filter(owned_by(team__slug=slug)).values_list("pk", flat=True)
    # The SQL below is the ORM's and our table's name; every value is a parameter.
    team = connection.ops.quote_name(Team._meta.db_table)
    team_exists = f"SELECT EXISTS (SELECT 1 FROM {team} WHERE slug = %s)"  # noqa: S608
    ordered_sql, ordered_params = owned.order_by(*ordering).query.sql_with_params()
    page = f"{team_exists}, ARRAY ({ordered_sql} LIMIT %s OFFSET %s)"
    plain_sql, plain_params = owned.order_by().query.sql_with_params()
    count = f"{team_exists}, (SELECT count(*) FROM ({plain_sql}) AS owned)"  # noqa: S608
    return _with_slots(page, (slug, *ordered_params, limit, offset)), _with_slots(count, (slug, *plain_params))


def _with_slots(sql: str, params: tuple) -> prepared.Compiled:
    # The slug twice (the team's existence, the ownerships), then the page's bounds where the query has them.
    slots = [index for index, param in enumerate(params) if param in _PROBES]
    return prepared.Compiled(sql, params, tuple(slots))
