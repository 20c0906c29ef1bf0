"""``manage.py loyalty_recommendations_report``: how good are the recommendations?

Temporal split of the shop's own orders (or of a CSV), our recommender next to popularity and
"buy again", for the "repeat" and "discovery" tasks. See ``recommendations.evaluation``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from oscar_loyalty.models import RecommendationBuild
from oscar_loyalty.recommendations import evaluation, report
from oscar_loyalty.recommendations.build import history_from_orders, parameters


class Command(BaseCommand):
    help = _(
        "Measure HitRate, Recall, NDCG and coverage of the recommendations on a temporal split "
        "of the shop's orders or of a CSV, next to popularity and buy-again baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cutoff",
            help=_(
                "YYYY-MM-DD: purchases before it train, after it test (default: 90 days "
                "before the newest purchase)."
            ),
        )
        parser.add_argument("--csv", help=_("Evaluate this CSV of purchases instead of orders."))
        parser.add_argument(
            "--columns",
            help=_(
                "The CSV's column names: customer=COLUMN,product=COLUMN,date=COLUMN "
                "(default: customer_id, product_id, date)."
            ),
        )
        parser.add_argument(
            "--online-retail",
            action="store_true",
            help=_("The CSV is the UCI Online Retail file: clean it as its README says."),
        )
        parser.add_argument("--k", type=int, default=evaluation.DEFAULT_K, help=_("List cut-off."))
        parser.add_argument(
            "--output",
            help=_(
                "Write our recommendations here as customer_id,rank,product_id (60 per customer)."
            ),
        )

    def handle(self, *args, **options):
        if options["k"] < 1:
            raise CommandError(_("--k must be 1 or more."))
        try:
            history = self.history(options)
            cutoff = (
                report.to_day(report.parse_date(options["cutoff"]))
                if options["cutoff"]
                else report.default_cutoff(history)
            )
            report.check_cutoff(history, cutoff)
        except report.ReportInputError as error:
            raise CommandError(str(error)) from error
        result, lists, train = evaluation.evaluate(history, cutoff, parameters(), options["k"])
        self.stdout.write(
            _(
                "%(train)s purchases before the cutoff, %(test)s after; %(customers)s customers "
                "with history, %(products)s products."
            )
            % {
                "train": f"{result.train_lines:,}",
                "test": f"{result.test_lines:,}",
                "customers": f"{result.customers:,}",
                "products": f"{result.products:,}",
            }
        )
        for line in report.format_report(result):
            self.stdout.write(line)
        if options["output"]:
            written = report.write_recommendations(options["output"], lists, train)
            self.stdout.write(
                _("Wrote recommendations for %(n)s customers to %(path)s.")
                % {"n": f"{written:,}", "path": options["output"]}
            )
        if not options["csv"]:
            self.save(result)

    def history(self, options):
        if options["csv"]:
            if options["online_retail"]:
                return report.history_from_online_retail(options["csv"])
            return report.history_from_csv(options["csv"], report.parse_columns(options["columns"]))
        history = history_from_orders()
        if not len(history.customers):
            raise report.ReportInputError(_("The shop has no orders from customers yet."))
        return history

    def save(self, result):
        """The shop's own report is shown on the dashboard with the latest build."""
        build = RecommendationBuild.objects.filter(status=RecommendationBuild.SUCCEEDED).first()
        if build is not None:
            build.report = result.as_dict()
            build.save(update_fields=["report"])
