"""Basket and checkout preview page times with and without the loyalty plugin, side by side.

Runs in one process on a throwaway SQLite test database: a signed-in shopper with points applied
to a three-line basket. Each round requests both pages with loyalty on, then with loyalty off (its
blocks hidden with OSCAR_HIDDEN_FEATURES and its site offer suspended, as if not installed),
interleaved so machine load affects both alike. Prints the median milliseconds and queries.

    .venv/bin/python benchmarks/pages.py [--rounds 40] [--pay-shipping]

With --pay-shipping the shop charges 6.00 for shipping and the points pay half of the items and
part of the shipping ("Pay shipping with your points").
"""

# ruff: noqa: T201

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--pay-shipping", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.DEBUG = False
    connection.creation.create_test_db(verbosity=0)

    from django.test import Client
    from django.urls import reverse
    from oscar.core.loading import get_model

    from oscar_loyalty.redemption import points_offer_id, shipping_offer_id
    from tests.checkout import (
        Repository,
        basket_with_points_applied,
        go_to_preview,
        shipping_method,
    )

    ConditionalOffer = get_model("offer", "ConditionalOffer")
    client = Client()
    if args.pay_shipping:
        Repository.methods = (shipping_method("standard", "5.00", "6.00"),)
        basket_with_points_applied(client, points=4000, pay_shipping=True, max_order_share=50)
    else:
        basket_with_points_applied(client)
    go_to_preview(client)
    pages = {"basket": reverse("basket:summary"), "preview": reverse("checkout:preview")}

    def switch(on: bool) -> None:
        settings.OSCAR_HIDDEN_FEATURES = [] if on else ["loyalty"]
        status = ConditionalOffer.OPEN if on else ConditionalOffer.SUSPENDED
        ours = [points_offer_id(), shipping_offer_id()]
        ConditionalOffer.objects.filter(pk__in=ours).update(status=status)

    timings: dict[tuple[str, bool], list[float]] = {}
    queries: dict[tuple[str, bool], int] = {}
    for round_ in range(args.rounds + 2):  # two warm-up rounds
        for on in (True, False):
            switch(on)
            for name, url in pages.items():
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - start) * 1000
                assert response.status_code == 200, (name, response.status_code)
                if round_ >= 2:
                    timings.setdefault((name, on), []).append(elapsed)
                    queries[(name, on)] = len(captured)

    print(f"{args.rounds} rounds, median of each; loyalty off = blocks hidden, offer suspended")
    print(f"{'page':<9}| {'with (ms)':>10} | {'without (ms)':>12} | {'ratio':>6} | queries")
    for name in pages:
        with_ms = statistics.median(timings[(name, True)])
        without_ms = statistics.median(timings[(name, False)])
        print(
            f"{name:<9}| {with_ms:10.1f} | {without_ms:12.1f} | {with_ms / without_ms:6.2f} | "
            f"{queries[(name, True)]} vs {queries[(name, False)]}"
        )
    connection.creation.destroy_test_db(":memory:", verbosity=0)


if __name__ == "__main__":
    main()
