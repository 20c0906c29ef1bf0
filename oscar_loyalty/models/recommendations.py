"""Recommendation model storage: each product's precomputed neighbours and the build log."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecommendationBuild(models.Model):
    """One run of the model build. The newest successful build is what the shop serves; its
    id is part of every cache key, so a new build retires all cached lists at once."""

    RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
    STATUSES = [(RUNNING, _("Running")), (SUCCEEDED, _("Succeeded")), (FAILED, _("Failed"))]

    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=STATUSES, default=RUNNING)
    duration = models.FloatField(_("duration (s)"), default=0)
    order_lines = models.PositiveIntegerField(_("order lines"), default=0)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    products = models.PositiveIntegerField(_("products"), default=0)
    neighbours = models.PositiveIntegerField(_("neighbour links"), default=0)
    #: Product ids, most popular first: overall, recently, and per category id.
    popular = models.JSONField(_("popular products"), default=dict, blank=True)
    #: The quality report of the last ``loyalty_recommendations_report`` on the shop's orders.
    report = models.JSONField(_("quality report"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        app_label = "oscar_loyalty"
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"
        verbose_name = _("recommendation build")
        verbose_name_plural = _("recommendation builds")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class ProductNeighbour(models.Model):
    """``neighbour`` is one of the products most often bought by the buyers of ``product``.

    Rebuilt as a whole by each build (in one transaction), so rows never mix two builds.
    """

    product = models.ForeignKey(
        "catalogue.Product", on_delete=models.CASCADE, related_name="+", verbose_name=_("product")
    )
    neighbour = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("neighbour"),
    )
    score = models.FloatField(_("similarity"))
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        app_label = "oscar_loyalty"
        ordering = ["product", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["product", "neighbour"], name="loyalty_neighbour_once")
        ]
        indexes = [models.Index(fields=["product", "rank"], name="loyalty_neighbour_rank")]
        verbose_name = _("product neighbour")
        verbose_name_plural = _("product neighbours")

    def __str__(self) -> str:
        return f"{self.product_id} -> {self.neighbour_id} ({self.score:.3f})"
