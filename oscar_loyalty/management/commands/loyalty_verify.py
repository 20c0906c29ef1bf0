from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from oscar_loyalty.models import PointsAccount, PointsLot
from oscar_loyalty.verification import find_discrepancies


class Command(BaseCommand):
    help = _(
        "Prove that every points account's balances equal the sum of its ledger entries and "
        "the remaining points of its lots. Exits non-zero on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=1000, help=_("Report at most this many per check.")
        )

    def handle(self, *args, limit: int, **options):
        problems = find_discrepancies(limit=limit)
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(
                _("%(count)s difference(s) between cached balances and the ledger.")
                % {"count": len(problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Ledger consistent: %(accounts)s accounts and %(lots)s lots checked.")
                % {
                    "accounts": PointsAccount.objects.count(),
                    "lots": PointsLot.objects.count(),
                }
            )
        )
