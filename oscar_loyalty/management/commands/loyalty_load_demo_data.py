"""``manage.py loyalty_load_demo_data``: fill the sandbox shop with real purchase history.

Thin on purpose: reading and cleaning live in ``oscar_loyalty.demo.online_retail``, writing in
``oscar_loyalty.demo.loader``; this module parses options, draws progress and prints the result.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from oscar_loyalty.demo.dates import date_offset
from oscar_loyalty.demo.loader import ADMIN, CUSTOMER_PASSWORD, SHOPPER, LoadStats, load_demo_data
from oscar_loyalty.demo.online_retail import DemoDataError, load_dataset, sample_customers
from oscar_loyalty.progress import ProgressBar

DEFAULT_CUSTOMERS = 400
DEFAULT_SEED = 2011


class DemoProgress(ProgressBar):
    """The shared progress bar, with this command's stage names and units."""

    def update(self, stage: str, done: int, total: int, unit: str = "", amount: str = "") -> None:
        labels = {
            "reading": (_("reading"), _("MB")),
            "catalogue": (_("catalogue"), _("products")),
            "customers": (_("customers"), _("customers")),
            "orders": (_("orders"), _("lines")),
            "index": (_("search"), _("products")),
        }
        label, unit = labels.get(stage, (stage, unit))
        if stage == "reading":
            amount = f"{done / 1e6:,.1f}/{total / 1e6:,.1f} {unit}"
        super().update(label, done, total, unit, amount)

    def read(self, done: int, total: int) -> None:
        self.update("reading", done, total)


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a str, translated when it is shown
        return _(
            "Load the UCI Online Retail purchase history as demo catalogue, customers and orders. "
            "The 2010-2011 orders (and customers' join dates) are moved by one whole number of "
            "days so that the newest order in the file falls on yesterday, every interval "
            "between orders kept; --original-dates keeps the dates of the file."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--path",
            help=_("The Online Retail CSV (.csv.gz or .csv); default: OSCAR_LOYALTY_DEMO_DATA."),
        )
        sample = parser.add_mutually_exclusive_group()
        sample.add_argument(
            "--customers",
            type=int,
            default=DEFAULT_CUSTOMERS,
            metavar="N",
            help=_("Load a sample of N customers with all their orders (default: %(default)s)."),
        )
        sample.add_argument(
            "--all",
            action="store_true",
            help=_("Load every customer with all their orders instead of a sample."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("Seed of the customer sample; the same seed gives the same shop."),
        )
        parser.add_argument(
            "--batch-size", type=int, default=500, help=_("Orders per bulk insert.")
        )
        parser.add_argument(
            "--original-dates",
            action="store_true",
            help=_(
                "Keep the orders on their 2010-2011 dates instead of moving them to end "
                "yesterday (recency-based features then treat every demo order as years old)."
            ),
        )
        parser.add_argument(
            "--reindex",
            action="store_true",
            help=_("Rebuild the product search index even if the catalogue did not change."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"] or getattr(settings, "OSCAR_LOYALTY_DEMO_DATA", None)
        if not path:
            raise CommandError(_("No data file: pass --path or set OSCAR_LOYALTY_DEMO_DATA."))
        if options["customers"] < 0 or options["batch_size"] < 1:
            raise CommandError(_("--customers must be 0 or more and --batch-size 1 or more."))
        verbosity = options["verbosity"]
        progress = DemoProgress(self.stderr, enabled=verbosity >= 1)
        try:
            dataset = load_dataset(path, progress.read)
        except DemoDataError as error:
            progress.finish()
            raise CommandError(
                _("Cannot load the demo data: %(error)s") % {"error": error}
            ) from error
        count = None if options["all"] else options["customers"]
        customer_ids = sample_customers(dataset, count, options["seed"])
        try:
            offset = date_offset(dataset, original_dates=options["original_dates"])
        except DemoDataError as error:
            progress.finish()
            raise CommandError(
                _("Cannot load the demo data: %(error)s") % {"error": error}
            ) from error
        stats = load_demo_data(
            dataset,
            customer_ids,
            progress=progress.update,
            batch_size=options["batch_size"],
            reindex=options["reindex"],
            offset=offset,
        )
        progress.finish()
        if verbosity >= 1:
            self.report(stats, path, len(customer_ids), len(dataset.customers), options)

    def report(
        self, stats: LoadStats, path: str, sampled: int, customers: int, options: dict[str, Any]
    ) -> None:
        if options["all"]:
            scope = _("all %(customers)s customers") % {"customers": f"{customers:,}"}
        else:
            scope = _("%(sampled)s of %(customers)s customers, seed %(seed)s") % {
                "sampled": f"{sampled:,}",
                "customers": f"{customers:,}",
                "seed": options["seed"],
            }
        self.stdout.write(_("Loaded %(path)s (%(scope)s):") % {"path": path, "scope": scope})
        rows = [
            (_("products"), stats.products),
            (_("categories"), stats.categories),
            (_("customers"), stats.customers),
            (_("orders"), stats.orders),
            (_("order lines"), stats.lines),
        ]
        for label, count in rows:
            new = _("%(created)s new") % {"created": f"{count.created:,}"}
            self.stdout.write(f"  {label:<12} {count.total:>9,}  ({new})")
        if stats.newest_order is not None:
            self.stdout.write(self.dates_line(stats))
        if stats.indexed:
            self.stdout.write(
                _("Search index updated: %(n)s products.") % {"n": f"{stats.indexed:,}"}
            )
        self.stdout.write(self.style.SUCCESS(_("Sign-ins:")))
        self.stdout.write(
            _("  dashboard (staff):  %(email)s / %(password)s")
            % {"email": ADMIN.email, "password": ADMIN.password}
        )
        if stats.shopper_customer_id is not None:
            self.stdout.write(
                _("  demo shopper:       %(email)s / %(password)s  (customer %(id)s, %(n)s orders)")
                % {
                    "email": SHOPPER.email,
                    "password": SHOPPER.password,
                    "id": stats.shopper_customer_id,
                    "n": f"{stats.shopper_order_count:,}",
                }
            )
        self.stdout.write(
            _("  other customers:    customer<ID>@demo.example.com / %(password)s")
            % {"password": CUSTOMER_PASSWORD}
        )

    def dates_line(self, stats: LoadStats) -> str:
        """Say how the dates were moved: whoever looks at an order must not think it a bug."""
        newest = formats.date_format(timezone.localtime(stats.newest_order), "Y-m-d")
        if not stats.date_offset:
            return _("Dates: as in the file (newest order %(newest)s).") % {"newest": newest}
        return _(
            "Dates: moved %(days)s days forward, every interval kept; newest order %(newest)s "
            "(--original-dates keeps the dates of the file)."
        ) % {"days": f"{stats.date_offset.days:,}", "newest": newest}
