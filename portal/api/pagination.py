"""Page-number pagination for every list: ?page=N&page_size=M (at most 500), in an order with no ties."""

from django.core.paginator import EmptyPage, Paginator
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination


class StableOrderingFilter(OrderingFilter):
    """DRF's `?ordering=`, ended by the primary key: rows that tie on the asked fields (two services of tier 1)
    would otherwise come in whatever order a plan yields, so one row could show on two pages and another on none.
    A list that declares no ordering keeps its queryset's (`order_by()` or the model's), ended the same way. A field
    named twice counts once (the first time), so a query string cannot make orderings without end. The key runs
    the same way as the last field, so an index on (name, id) serves `name` and `-name` alike."""

    def get_ordering(self, request, queryset, view) -> list | None:
        ordering = super().get_ordering(request, queryset, view)
        query = getattr(queryset, "query", None)
        if query is None:  # not a queryset: nothing to end
            return ordering
        terms, seen = [], set()
        for term in ordering or _own_ordering(queryset.model, query):
            name = term.lstrip("-") if isinstance(term, str) else term  # expressions are kept as they are
            if name not in seen:
                seen.add(name)
                terms.append(term)
        if {"pk", "id"} & seen:
            return terms
        descending = bool(terms) and isinstance(terms[-1], str) and terms[-1].startswith("-")
        return [*terms, "-pk" if descending else "pk"]


def _own_ordering(model, query) -> list:
    """What a queryset is ordered by when no ordering is asked for or declared: its `order_by()`, else its model's."""
    if query.order_by:
        return list(query.order_by)
    return list(model._meta.ordering) if query.default_ordering else []


class FirstPageFirstPaginator(Paginator):
    """Django's paginator, except that the first page is read before the count: a first page shorter than a page
    is the whole list, so its count is known without a query (a filtered list is often that short)."""

    def page(self, number):
        if str(number) != "1":
            return super().page(number)
        limit = self.per_page + self.orphans  # a last page of `orphans` items or fewer joins the one before
        items = list(self.object_list[:limit])
        if len(items) < limit:
            self.__dict__["count"] = len(items)  # Paginator.count is a cached_property
        elif self.orphans and self.count > limit:
            items = items[: self.per_page]
        if not items and not self.allow_empty_first_page:
            raise EmptyPage(self.error_messages["no_results"])
        return self._get_page(items, 1, self)


class PortalPagination(PageNumberPagination):
    django_paginator_class = FirstPageFirstPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
