"""Global search across teams, people, services and data products.

PostgreSQL: full-text ranking on names and descriptions, with trigram word similarity so a typo still finds
its target. SQLite (the embedded default): case-insensitive substring matching, names first.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramWordDistance, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.urls import reverse

from catalog import cache as catalog_cache
from catalog.choices import EntityKind
from catalog.models import Entity, Person, Team

FULL_TEXT_CANDIDATES = 4  # times the result count: the best-ranked full-text matches that are scored
MIN_WORD_SIMILARITY = 0.35  # 'revnue' ~ 'revenue' scores 0.5; unrelated words stay below 0.3
# Looking a data product up is what the search box is most used for (the stakeholder lookup): on a tie,
# the data product comes before the dashboard or pipeline of the same name.
DATA_PRODUCT_BOOST = 0.1
# The stored, indexed search document of migration 0007: the name weighted A, the description B.
FTS_MATCH = "catalog_entity.search_document @@ websearch_to_tsquery('english'::regconfig, %s)"
FTS_RANK = "ts_rank(catalog_entity.search_document, websearch_to_tsquery('english'::regconfig, %s))"


@dataclass(frozen=True)
class SearchResult:
    type: str  # team, person, service kind label, data product
    title: str
    subtitle: str
    url: str
    score: float


def _entity_url(entity: Entity) -> str:
    if entity.kind == EntityKind.DATA_PRODUCT:
        return reverse("catalog:dataproduct-overview", args=[entity.slug])
    return reverse("catalog:service-detail", args=[entity.slug])


def _entity_result(e: Entity, score: float) -> SearchResult:
    label = EntityKind(e.kind).label
    if e.kind == EntityKind.DATA_PRODUCT:
        score += DATA_PRODUCT_BOOST
    return SearchResult(label, e.name, f"Tier {e.tier} · {e.get_lifecycle_display()}", _entity_url(e), score)


def _postgres(q: str, limit: int) -> list[SearchResult]:
    # A common word matches thousands of entities at scale, and scoring every one of them (the rank of its search
    # document, the trigram similarity of its name) was most of the time. So the candidates come from two index
    # reads first: the best-ranked full-text matches (GIN index on the stored search document) and the names
    # nearest by trigram word distance (GiST index, a nearest-neighbour scan). Only those are scored. A row
    # outside both short lists cannot reach the top: its score is at most rank * 2 + 1 with a rank below theirs.
    with connection.cursor() as cursor:
        cursor.execute("SET pg_trgm.word_similarity_threshold = %s", [MIN_WORD_SIMILARITY])
    matches_text = RawSQL(FTS_MATCH, [q], output_field=BooleanField())  # noqa: S611 (q is a parameter)
    rank = RawSQL(FTS_RANK, [q], output_field=FloatField())  # noqa: S611 (q is a parameter)
    best_ranked = Entity.objects.filter(matches_text).annotate(rank=rank).order_by("-rank", "name")
    nearest = (
        Entity.objects.filter(name__trigram_word_similar=q)
        .annotate(distance=TrigramWordDistance(Value(q), "name"))
        .order_by("distance")
    )
    candidates = {
        *best_ranked.values_list("pk", flat=True)[: limit * FULL_TEXT_CANDIDATES],
        *nearest.values_list("pk", flat=True)[:limit],
    }
    entities = (
        Entity.objects.filter(pk__in=candidates)
        .annotate(rank=rank, sim=TrigramWordSimilarity(Value(q), "name"))
        .annotate(score=Greatest(F("rank") * 2 + F("sim"), F("sim"), output_field=FloatField()))
        .only("id", "name", "slug", "kind", "tier", "lifecycle")
        .order_by("-score", "name")[:limit]
    )
    teams = (
        Team.objects.annotate(score=TrigramWordSimilarity(Value(q), "name"))
        .filter(Q(score__gte=MIN_WORD_SIMILARITY) | Q(name__icontains=q))
        .order_by("-score")[:limit]
    )
    people = (
        Person.objects.annotate(score=TrigramWordSimilarity(Value(q), "full_name"))
        .filter(Q(score__gte=MIN_WORD_SIMILARITY) | Q(full_name__icontains=q) | Q(title__icontains=q))
        .order_by("-score")[:limit]
    )
    results = [_entity_result(e, e.score) for e in entities]
    results += [SearchResult("Team", t.name, t.description[:80], t.get_absolute_url(), t.score + 0.05) for t in teams]
    results += [SearchResult("Person", p.full_name, p.title, p.get_absolute_url(), p.score) for p in people]
    return sorted(results, key=lambda r: -r.score)[:limit]


def _substring_score(text: str, q: str) -> float:
    text = text.lower()
    if text == q:
        return 1.0
    if text.startswith(q):
        return 0.8
    return 0.6 if q in text else 0.3


def _fallback(q: str, limit: int) -> list[SearchResult]:
    lowered = q.lower()
    entities = Entity.objects.filter(Q(name__icontains=q) | Q(description__icontains=q)).only(
        "id", "name", "slug", "kind", "tier", "lifecycle"
    )[:limit]
    results = [_entity_result(e, _substring_score(e.name, lowered)) for e in entities]
    for t in Team.objects.filter(name__icontains=q)[:limit]:
        results.append(SearchResult("Team", t.name, t.description[:80], t.get_absolute_url(), 0.9))
    for p in Person.objects.filter(Q(full_name__icontains=q) | Q(title__icontains=q))[:limit]:
        results.append(
            SearchResult("Person", p.full_name, p.title, p.get_absolute_url(), _substring_score(p.full_name, lowered))
        )
    return sorted(results, key=lambda r: (-r.score, r.title))[:limit]


def search(q: str, limit: int = 25) -> list[SearchResult]:
    """The best `limit` matches of `q`; the same for every user, so cached per catalog generation (catalog/cache.py)."""
    q = (q or "").strip()[:200]
    if not q:
        return []
    results, slot = catalog_cache.lookup("search", str(limit), q)
    if results is None:
        results = _postgres(q, limit) if connection.vendor == "postgresql" else _fallback(q, limit)
        catalog_cache.put(slot, results)
    return results
