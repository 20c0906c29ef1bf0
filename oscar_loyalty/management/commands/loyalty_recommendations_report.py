"""``manage.py loyalty_recommendations_report``: how good are the recommendations?

Temporal split of the shop's own orders (or of a CSV), our recommender next to popularity and
"buy again", for the "repeat" and "discovery" tasks. See ``recommendations.evaluation``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from oscar_loyalty.recommendations import evaluation, report
from oscar_loyalty.recommendations.build import parameters


class Command(BaseCommand):
    help = _(
        "Measure HitRate, Recall, NDCG and coverage of the recommendations on a temporal split "
        "of the shop's orders or of a CSV, next to popularity and buy-again baselines."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cutoff",
            help=_(
                "YYYY-MM-DD: purchases before it train, after it test (default: the test "
                "period is the last 90 days or the last 10%% of purchases, whichever reaches "
                "further back, so one recent order cannot leave it empty)."
            ),
        )
        parser.add_argument("--csv", help=_("Evaluate this CSV of purchases instead of orders."))
        parser.add_argument(
            "--columns",
            help=_(
                "The CSV's column names: customer=COLUMN,product=COLUMN,date=COLUMN "
                "(default: customer_id, product_id, date), and quantity=COLUMN to leave out "
                "rows with a quantity of 0 or less (returns, cancellations). The delimiter "
                "(comma, semicolon, tab or |) is found from the header."
            ),
        )
        parser.add_argument(
            "--date-format",
            help=_(
                "How the CSV writes dates, in strptime codes, e.g. '%%m/%%d/%%Y %%H:%%M' for "
                "12/1/2010 8:26 (default: ISO 8601, e.g. 2010-12-01 08:26 or "
                "2010-12-01T08:26:00+01:00). Dates without a time zone are the shop's time."
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
        parser.add_argument(
            "--task",
            choices=evaluation.TASKS,
            default="repeat",
            help=_(
                'Which lists --output writes: repeat (re-orders included, as "buy it again" '
                "and the blended list) or discovery (only products new to each customer)."
            ),
        )

    def handle(self, *args, **options):
        if options["k"] < 1:
            raise CommandError(_("--k must be 1 or more."))
        try:
            cutoff = (
                report.to_day(report.parse_date(options["cutoff"])) if options["cutoff"] else None
            )
            if options["csv"]:
                history = self.csv_history(options)
                default = cutoff is None
                cutoff = report.default_cutoff(history) if default else cutoff
                report.check_cutoff(history, cutoff, default)
                result, lists, train = evaluation.evaluate(
                    history, cutoff, parameters(), options["k"]
                )
            else:
                result, lists, train = report.evaluate_shop(cutoff, options["k"])
        except report.ReportInputError as error:
            raise CommandError(str(error)) from error
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
            try:
                written = report.write_recommendations(
                    options["output"], lists[options["task"]], train
                )
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(path)s: %(error)s")
                    % {"path": options["output"], "error": error.strerror or error}
                ) from error
            self.stdout.write(
                _("Wrote recommendations for %(n)s customers to %(path)s.")
                % {"n": f"{written:,}", "path": options["output"]}
            )

    def csv_history(self, options):
        if options["online_retail"]:
            return report.history_from_online_retail(options["csv"])
        return report.history_from_csv(
            options["csv"], report.parse_columns(options["columns"]), options["date_format"]
        )
