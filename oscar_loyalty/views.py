from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from oscar.core.loading import get_class

PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")


class RewardsView(PageTitleMixin, TemplateView):
    """The shopper's Rewards tab in Oscar's account section."""

    template_name = "oscar_loyalty/account/rewards.html"
    page_title = _("Rewards")
    active_tab = "loyalty"
