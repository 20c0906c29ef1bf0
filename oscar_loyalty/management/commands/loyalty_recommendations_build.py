"""``manage.py loyalty_recommendations_build``: rebuild the recommendation model now."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from oscar_loyalty.progress import ProgressBar
from oscar_loyalty.recommendations.build import build_recommendations


class Command(BaseCommand):
    help = _("Rebuild product neighbours for recommendations from all customers' orders.")

    def handle(self, *args, verbosity: int, **options):
        bar = ProgressBar(self.stderr, enabled=verbosity > 0)
        labels = {"reading": _("reading"), "model": _("model"), "writing": _("writing")}
        units = {"reading": _("lines"), "writing": _("links")}
        build = build_recommendations(
            progress=lambda stage, done, total: bar.update(
                labels[stage], done, total, units.get(stage, "")
            )
        )
        bar.finish()
        self.stdout.write(
            _(
                "Built from %(lines)s purchases of %(customers)s customers: %(links)s neighbour "
                "links between %(products)s products in %(seconds).1f s."
            )
            % {
                "lines": f"{build.order_lines:,}",
                "customers": f"{build.customers:,}",
                "links": f"{build.neighbours:,}",
                "products": f"{build.products:,}",
                "seconds": build.duration,
            }
        )
