"""Small pieces every loyalty dashboard module uses: URL names and paginated tables."""

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse

NAMESPACE = "oscar_loyalty_dashboard"


def dashboard_url(name: str, *args) -> str:
    """The address of a loyalty dashboard page, by URL name without the namespace."""
    return reverse(f"{NAMESPACE}:{name}", args=args)


MAX_PER_PAGE = 100


class BoundedPaginator(Paginator):
    """django-tables2 takes ``?per_page=`` from the address as it is: 0 or -1 made every page
    "less than 1" (a 500) and a huge number would load every row. Keep it from 1 to 100."""

    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, min(max(int(per_page), 1), MAX_PER_PAGE), *args, **kwargs)


class DashboardTableMixin:
    """For django-tables2 views: Oscar's dashboard page size, and the table also in the
    context as ``table``, which ``table_page.html`` renders (beside ``context_table_name``)."""

    def get_table_pagination(self, table) -> dict:
        return {
            "per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE,
            "paginator_class": BoundedPaginator,
        }

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.setdefault("table", context[self.get_context_table_name(None)])
        return context
