from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class LoyaltyDashboardConfig(OscarDashboardConfig):
    """The loyalty section of Oscar's dashboard (staff only; URL names prefixed ``loyalty-``).

    Mount it with ``path("dashboard/loyalty/", apps.get_app_config(label).urls)`` where the
    label is ``oscar_loyalty_dashboard``.
    """

    name = "oscar_loyalty.dashboard"
    label = "oscar_loyalty_dashboard"
    verbose_name = _("Loyalty dashboard")
    namespace = "oscar_loyalty_dashboard"
    default_permissions = ["is_staff"]

    def get_urls(self):
        from . import views

        urls = [
            path("", views.IndexView.as_view(), name="loyalty-index"),
        ]
        return self.post_process_urls(urls)
