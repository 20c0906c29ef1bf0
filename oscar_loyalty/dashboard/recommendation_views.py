"""Dashboard: the recommendation model's last builds, its quality report, and an explorer that
shows what a customer or a product would get recommended and why."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from oscar.core.loading import get_model

from .. import tasks
from ..models import ProductNeighbour, RecommendationBuild
from ..receivers import enqueue
from ..recommendations import serving
from .common import dashboard_url

Product = get_model("catalogue", "Product")
User = get_user_model()
BUILDS_SHOWN = 5
SHOWN = 12  # products shown per explained list

#: What staff read for the quality report's tasks and methods (the report stores the codes); a
#: method this page does not know, e.g. a benchmark's, shows its code.
REPORT_TASKS = {"repeat": _("Repeat purchases"), "discovery": _("New products")}
REPORT_METHODS = {
    "ours": _("This model"),
    "popularity": _("Best sellers"),
    "buy_again": _("Buy again (the customer's own purchases)"),
}


class ExplorerForm(forms.Form):
    customer = forms.CharField(
        label=_("Customer"), required=False, help_text=_("E-mail address or user id.")
    )
    product = forms.CharField(label=_("Product"), required=False, help_text=_("UPC or id."))

    def clean_customer(self):
        value = self.cleaned_data["customer"].strip()
        if not value:
            return None
        found = User.objects.filter(email__iexact=value).order_by("pk").first()
        if found is None and value.isdigit():
            found = User.objects.filter(pk=int(value)).first()
        if found is None:
            raise forms.ValidationError(_("No customer with this e-mail address or id."))
        return found

    def clean_product(self):
        value = self.cleaned_data["product"].strip()
        if not value:
            return None
        found = Product.objects.filter(upc=value).first()
        if found is None and value.isdigit():
            found = Product.objects.filter(pk=int(value)).first()
        if found is None:
            raise forms.ValidationError(_("No product with this UPC or id."))
        return found


class RecommendationsView(FormView):
    """GET shows the page (the explorer is a GET form, so its results can be bookmarked)."""

    template_name = "oscar_loyalty/dashboard/recommendations.html"
    form_class = ExplorerForm
    # Nothing is posted here (a POST fell through to FormView's redirect with no URL: a 500).
    http_method_names = ["get", "head", "options"]

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if {"customer", "product"} & set(self.request.GET):
            kwargs["data"] = self.request.GET
        return kwargs

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        builds = list(RecommendationBuild.objects.all()[:BUILDS_SHOWN])
        latest = next((b for b in builds if b.status == RecommendationBuild.SUCCEEDED), None)
        # Only the newest build can be under way: an older one left "running" was cut short.
        running = builds[0] if builds and builds[0].status == RecommendationBuild.RUNNING else None
        context.update(builds=builds, latest=latest, running=running, **_latest_report(latest))
        form = context["form"]
        if form.is_bound and form.is_valid():
            if form.cleaned_data["customer"] is not None:
                context["customer"] = _explain_customer(form.cleaned_data["customer"])
            if form.cleaned_data["product"] is not None:
                context["product"] = _explain_product(form.cleaned_data["product"])
        return context


class RecommendationsActionView(View):
    """POST: rebuild the model or run the quality report, in the background where a worker is.

    The message says what happened, never what is under way: a task run here is done (or
    failed) by the time the page shows; one sent to a worker is queued. While a build runs,
    the page itself says so, from the build's status.
    """

    #: Each action's task, what staff read once it ran here, and once it is queued.
    ACTIONS = {
        "build": (
            tasks.build_recommendations,
            _("The recommendation model has been rebuilt."),
            _("The model is queued for rebuilding in the background."),
        ),
        "report": (
            tasks.evaluate_recommendations,
            _("The quality report has been computed."),
            _("The quality report is queued: reload this page in a moment to see it."),
        ),
    }

    def post(self, request, *args, **kwargs):
        action = self.ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, gettext("Unknown action."))
            return redirect(dashboard_url("loyalty-recommendations"))
        task, done, queued = action
        try:
            result = enqueue(task)
            if result is not None and result.failed():
                raise result.result
        except Exception as error:  # noqa: BLE001  (shown to staff, never a 500)
            messages.error(request, gettext("It failed: %(error)s") % {"error": error})
        else:
            messages.success(request, done if result is not None else queued)
        return redirect(dashboard_url("loyalty-recommendations"))


def _latest_report(latest: RecommendationBuild | None) -> dict:
    """The newest quality report and the build it was measured on. A report is kept on the
    build it measured, so after "Rebuild now" the one before stays on show until a new one is
    run."""
    reported = latest
    if latest is None or not latest.report:
        reported = (
            RecommendationBuild.objects.filter(
                status=RecommendationBuild.SUCCEEDED, report__isnull=False
            )
            .exclude(report={})
            .first()
        )
    return {"reported": reported, "report": _report_rows(reported)}


def _report_rows(build: RecommendationBuild | None) -> list[dict]:
    if build is None or not build.report:
        return []
    rows = []
    for task, methods in build.report.get("results", {}).items():
        for method, metrics in methods.items():
            rows.append(
                {
                    "task": task,
                    "method": method,
                    "task_label": REPORT_TASKS.get(task, task),
                    "method_label": REPORT_METHODS.get(method, method),
                    **metrics,
                }
            )
    return rows


def _explain_customer(user) -> dict:
    lists = serving.compute_customer_lists(user.pk)
    reasons = lists.reasons
    wanted = {*lists.buy_again[:SHOWN], *lists.discover[:SHOWN]}
    wanted.update(cause for pid in lists.discover[:SHOWN] for cause in reasons.get(pid, []))
    products = Product.objects.in_bulk(wanted)
    discover = [
        {
            "product": products.get(pid),
            "because": [products.get(cause) for cause in reasons.get(pid, [])],
        }
        for pid in lists.discover[:SHOWN]
    ]
    again = [products.get(pid) for pid in lists.buy_again[:SHOWN]]
    return {"user": user, "again": [p for p in again if p], "discover": discover}


def _explain_product(product) -> dict:
    links = ProductNeighbour.objects.filter(product=product).select_related("neighbour")
    return {"product": product, "links": list(links.order_by("rank")[:SHOWN])}
