"""Global search: PostgreSQL full text with trigram fallback for typos; a substring search on SQLite."""

from catalog import search
from catalog.search import _fallback


def titles(results) -> list[str]:
    return [r.title for r in results]


def test_revenue_finds_the_revenue_data_product_first(demo):
    results = search.search("revenue")
    assert results[0].title == "fct_daily_revenue"
    assert results[0].type == "Data product"
    assert results[0].url == "/catalog/data-products/fct-daily-revenue/overview/"
    assert "Revenue Dashboard" in titles(results)


def test_a_typo_still_finds_its_target(demo):
    assert titles(search.search("revnue"))[0] in {"fct_daily_revenue", "Revenue Dashboard"}
    assert "Kafka" in titles(search.search("kafak"))
    assert "marketing_attribution" in titles(search.search("marketng"))


def test_results_span_teams_people_services_and_data_products(demo):
    types = {r.type for r in search.search("data")}
    assert {"Team", "Data product"} <= types
    people = search.search("Min-jun")
    assert people[0].type == "Person" and people[0].title == "Min-jun Kim"
    assert search.search("Spark")[0].type == "Platform component"


def test_words_in_the_description_count_less_than_the_name(demo):
    results = titles(search.search("attribution"))
    assert results[0] == "marketing_attribution"


def test_nothing_is_found_for_nonsense_or_an_empty_query(demo):
    assert search.search("zzqxv") == []
    assert search.search("   ") == []


def test_the_sqlite_fallback_finds_substrings_names_first(demo):
    results = _fallback("revenue", 25)
    assert results[0].title in {"fct_daily_revenue", "Revenue Dashboard"}
    assert {r.type for r in _fallback("platform", 25)} >= {"Team"}


def test_the_search_page_shows_type_badges_and_an_empty_state(client, demo):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="rachel"))
    html = client.get("/catalog/search/?q=revenue").content.decode()
    badge = '<span class="badge result-type">Data product</span> '
    assert badge + '<a href="/catalog/data-products/fct-daily-revenue/overview/">' in html
    html = client.get("/catalog/search/?q=zzqxv").content.decode()
    assert "Nothing found for “zzqxv”" in html
