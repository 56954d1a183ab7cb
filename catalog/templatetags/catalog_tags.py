"""Template helpers of the catalog: the small dependency graph as inline SVG (no client-side library)."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from catalog.selectors import DependencyGraph

register = template.Library()

BOX_W, BOX_H = 160, 26


@register.simple_tag
def dependency_svg(graph: DependencyGraph, entity) -> str:
    names = {e.pk: e for e, _ in graph.upstream} | {e.pk: e for e, _ in graph.downstream} | {entity.pk: entity}
    edges = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="edge" marker-end="url(#arrow)"/>',
        (
            (
                graph.positions[s][0],
                graph.positions[s][1] + BOX_H / 2,
                graph.positions[t][0] + BOX_W,
                graph.positions[t][1] + BOX_H / 2,
            )
            if graph.positions[s][0] > graph.positions[t][0]
            else (
                graph.positions[s][0] + BOX_W,
                graph.positions[s][1] + BOX_H / 2,
                graph.positions[t][0],
                graph.positions[t][1] + BOX_H / 2,
            )
            for s, t in graph.edges
        ),
    )
    nodes = format_html_join(
        "",
        '<a href="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="4" class="{}"/><text x="{}" y="{}">{}</text></a>',
        (
            (
                names[pk].get_absolute_url(),
                x,
                y,
                BOX_W,
                BOX_H,
                "node self" if pk == entity.pk else "node",
                x + 8,
                y + 17,
                names[pk].name[:22],
            )
            for pk, (x, y) in graph.positions.items()
            if pk in names
        ),
    )
    return format_html(
        '<svg role="img" aria-label="Dependency graph of {}" width="{}" height="{}" viewBox="0 0 {} {}">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>{}{}</svg>',
        entity.name,
        graph.width,
        graph.height,
        graph.width,
        graph.height,
        edges,
        nodes,
    )


@register.filter
def raci_label(role: str) -> str:
    return mark_safe({"R": "R", "A": "<strong>A</strong>", "C": "C", "I": "I"}.get(role, ""))  # noqa: S308 (constants)
