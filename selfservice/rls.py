"""Row-level-security clauses for Superset guest tokens: templates per team and per data product, and the checks
every clause passes before it is sent (Superset stores any string and only fails when a chart runs)."""

import json
import os
import re
from dataclasses import dataclass

from django.conf import settings

__all__ = ["DEFAULT_TEMPLATES", "RlsError", "check_clause", "quote", "render", "templates_for"]

# Templates by scope: "team:<slug>", "data-product:<slug>", and "*" for every team. A template is a clause with one
# `{value}` placeholder, optionally with the values allowed in it. SUPERSET_RLS_TEMPLATES (JSON) replaces these.
DEFAULT_TEMPLATES: dict[str, dict[str, str | dict]] = {
    "*": {
        "region": {"clause": "region = {value}", "values": ["EMEA", "AMER", "APAC"]},
        "tenant": "tenant_id = {value}",
    },
}

MAX_CLAUSE = 1000
# A value put into a template: plain words, codes and ids; quotes are escaped, but nothing needs them.
VALUE = re.compile(r"^[\w .,:/@+-]{1,100}$")
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
# Outside string literals: a subquery (or a CTE) reads other tables than the dataset the clause guards.
SUBQUERY = re.compile(r"\b(select|with)\b", re.IGNORECASE)
COMMENTS = ("--", "/*", "*/", "#")
# Superset renders RLS clauses with Jinja before running them: template syntax would run in Superset.
JINJA = ("{{", "{%", "{#")


class RlsError(ValueError):
    """A clause or template use that is refused; the message names the problem."""


@dataclass(frozen=True)
class Template:
    name: str
    scope: str
    clause: str
    values: tuple[str, ...] = ()


def _configured() -> dict:
    configured = getattr(settings, "SUPERSET_RLS_TEMPLATES", None) or os.environ.get("SUPERSET_RLS_TEMPLATES")
    if isinstance(configured, str):
        configured = json.loads(configured)
    return configured or DEFAULT_TEMPLATES


def templates_for(*, team_slug: str, data_product_slug: str = "") -> dict[str, Template]:
    """The templates a team may use, by name; a data product's own templates win over the team's, then the '*'."""
    configured = _configured()
    scopes = ["*", f"team:{team_slug}"] + ([f"data-product:{data_product_slug}"] if data_product_slug else [])
    found: dict[str, Template] = {}
    for scope in scopes:
        for name, spec in (configured.get(scope) or {}).items():
            spec = {"clause": spec} if isinstance(spec, str) else spec
            found[name] = Template(name, scope, spec["clause"], tuple(spec.get("values") or ()))
    return found


def quote(value: str) -> str:
    """A SQL string literal: single quotes, doubled inside."""
    return "'" + value.replace("'", "''") + "'"


def render(template: Template, value) -> str:
    if not isinstance(value, str) or not VALUE.match(value):
        raise RlsError(
            f"The value for the '{template.name}' template must be 1 to 100 letters, digits, spaces or . , : / @ + - "
            f"(got {value!r})."
        )
    if template.values and value not in template.values:
        raise RlsError(f"'{value}' is not a value of the '{template.name}' template: {', '.join(template.values)}.")
    return template.clause.replace("{value}", quote(value))


def check_clause(clause) -> str:
    """The clause, stripped, if it is a single boolean condition; RlsError naming what is wrong otherwise."""
    if not isinstance(clause, str) or not clause.strip():
        raise RlsError("A clause must be a non-empty SQL condition, e.g. region = 'EMEA'.")
    clause = clause.strip()
    if len(clause) > MAX_CLAUSE:
        raise RlsError(f"A clause may have at most {MAX_CLAUSE} characters.")
    if ";" in clause:
        raise RlsError(f"A clause may not contain a semicolon (one condition, no second statement): {clause}")
    for marker in COMMENTS:
        if marker in clause:
            raise RlsError(f"A clause may not contain a comment ('{marker}'): {clause}")
    for marker in JINJA:
        if marker in clause:
            raise RlsError(f"A clause may not contain template syntax ('{marker}'; Superset runs Jinja): {clause}")
    outside = STRING_LITERAL.sub("''", clause)
    if "'" in outside.replace("''", ""):
        raise RlsError(f"A clause has an unterminated string literal: {clause}")
    if SUBQUERY.search(outside):
        raise RlsError(f"A clause may not contain a subquery (SELECT or WITH): {clause}")
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise RlsError(f"A clause has unbalanced parentheses: {clause}")
    return clause
