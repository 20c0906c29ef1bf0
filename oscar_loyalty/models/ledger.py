"""Points accounts and their append-only ledger.

Only :mod:`oscar_loyalty.ledger` writes these tables. Entries and allocations are immutable;
accounts and lots carry cached balances that the ledger updates in the same transaction as the
entry, under a row lock on the account, and that ``manage.py loyalty_verify`` re-derives.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Ledger rows are never updated or deleted: post a correcting entry instead."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class PointsAccount(models.Model):
    """One customer's points. An Oscar user is optional: ``owner_key`` identifies the owner
    (``user:<pk>`` for shop users, e.g. ``saleor:<domain>:<id>`` for other platforms)."""

    owner_key = models.CharField(_("owner"), max_length=255, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="points_account",
        verbose_name=_("customer"),
    )
    available = models.BigIntegerField(_("available points"), default=0)
    pending = models.BigIntegerField(_("pending points"), default=0)
    held = models.BigIntegerField(_("points held for checkout"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(available__gte=0), name="loyalty_available_gte_0"),
            models.CheckConstraint(condition=Q(pending__gte=0), name="loyalty_pending_gte_0"),
            models.CheckConstraint(condition=Q(held__gte=0), name="loyalty_held_gte_0"),
        ]

    def __str__(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.email or self.owner_key
        return self.owner_key


class LedgerEntry(AppendOnlyModel):
    """One balance change. ``idempotency_key`` makes every posting happen at most once."""

    EARN, CONFIRM, BONUS, REDEEM, REVERSE, EXPIRE, ADJUST, HOLD, CAPTURE, RELEASE, RESTORE = (
        "earn",
        "confirm",
        "bonus",
        "redeem",
        "reverse",
        "expire",
        "adjust",
        "hold",
        "capture",
        "release",
        "restore",
    )
    KIND_CHOICES = [
        (EARN, _("Earned")),
        (CONFIRM, _("Confirmed")),
        (BONUS, _("Bonus")),
        (REDEEM, _("Redeemed")),
        (REVERSE, _("Reversed")),
        (EXPIRE, _("Expired")),
        (ADJUST, _("Adjusted by staff")),
        (HOLD, _("Held for checkout")),
        (CAPTURE, _("Spent at checkout")),
        (RELEASE, _("Released from checkout")),
        (RESTORE, _("Returned")),
    ]

    # Indexes are chosen for the cost of each insert (see Meta): the history index also serves
    # the account's foreign key, and ``Meta.indexes`` spare PostgreSQL's extra LIKE indexes.
    account = models.ForeignKey(
        PointsAccount,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("account"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=KIND_CHOICES)
    available_delta = models.BigIntegerField(_("available change"), default=0)
    pending_delta = models.BigIntegerField(_("pending change"), default=0)
    held_delta = models.BigIntegerField(_("held change"), default=0)
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    description = models.CharField(_("description"), max_length=255, blank=True)
    order_number = models.CharField(_("order number"), max_length=128, blank=True)
    rule_id = models.PositiveIntegerField(_("earning rule"), null=True, blank=True)
    reverses = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversals",
        verbose_name=_("reverses"),
        db_index=False,
    )
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
        db_index=False,
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="loyalty_entry_key_unique")
        ]
        indexes = [
            models.Index(fields=["account", "-created_at"], name="loyalty_entry_history"),
            models.Index(fields=["order_number"], name="loyalty_entry_order"),
            # Few entries reverse another or were made by staff: only those are indexed.
            models.Index(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="loyalty_entry_reverses",
            ),
            models.Index(
                fields=["created_by"],
                condition=Q(created_by__isnull=False),
                name="loyalty_entry_staff",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d}"

    @property
    def points(self) -> int:
        """The change to everything the customer owns (available, pending and held): a hold or
        a confirmation moves points between buckets and counts 0; a capture counts as spent."""
        return self.available_delta + self.pending_delta + self.held_delta


class PointsLot(models.Model):
    """Points credited by one entry, spent first-to-expire so expiry and reversal are exact.

    ``remaining`` is a cache of ``points - sum(allocations)`` kept by the ledger.
    """

    PENDING, AVAILABLE = "pending", "available"
    STATUS_CHOICES = [(PENDING, _("Pending")), (AVAILABLE, _("Available"))]

    account = models.ForeignKey(
        PointsAccount, on_delete=models.PROTECT, related_name="lots", verbose_name=_("account")
    )
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, related_name="lot", verbose_name=_("credited by")
    )
    status = models.CharField(_("status"), max_length=16, choices=STATUS_CHOICES)
    points = models.BigIntegerField(_("points"))
    remaining = models.BigIntegerField(_("remaining"))
    earned_at = models.DateTimeField(_("earned"))
    available_at = models.DateTimeField(_("available from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    order_number = models.CharField(_("order number"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_lot_points_gt_0"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("points")),
                name="loyalty_lot_remaining_in_range",
            ),
        ]
        indexes = [
            # Spending reads an account's open lots first-to-expire. Spent lots stay "available"
            # with nothing left and would otherwise be scanned on every redemption.
            models.Index(
                fields=["account", "expires_at", "earned_at", "id"],
                condition=Q(status="available", remaining__gt=0),
                name="loyalty_lot_open",
            ),
            models.Index(fields=["order_number"], name="loyalty_lot_order"),
            # The periodic tasks' lots: pending ones to confirm, open ones to expire.
            models.Index(
                fields=["available_at"], condition=Q(status="pending"), name="loyalty_lot_due"
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(status="available", remaining__gt=0),
                name="loyalty_lot_expiring",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points} ({self.get_status_display()})"


class LotAllocation(AppendOnlyModel):
    """How many points of a lot a debiting entry took (negative: gave back, e.g. a release)."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="allocations")
    points = models.BigIntegerField()

    class Meta:
        verbose_name = _("lot allocation")
        verbose_name_plural = _("lot allocations")

    def __str__(self) -> str:
        return f"{self.points:+d} from lot {self.lot_id}"
