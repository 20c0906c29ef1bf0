"""Small pieces every loyalty dashboard module uses: URL names and paginated tables."""

from django.conf import settings
from django.urls import reverse

NAMESPACE = "oscar_loyalty_dashboard"


def dashboard_url(name: str, *args) -> str:
    """The address of a loyalty dashboard page, by URL name without the namespace."""
    return reverse(f"{NAMESPACE}:{name}", args=args)


class DashboardTableMixin:
    """For django-tables2 views: Oscar's dashboard page size, and the table also in the
    context as ``table``, which ``table_page.html`` renders (beside ``context_table_name``)."""

    def get_table_pagination(self, table) -> dict:
        return {"per_page": settings.OSCAR_DASHBOARD_ITEMS_PER_PAGE}

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context.setdefault("table", context[self.get_context_table_name(None)])
        return context
