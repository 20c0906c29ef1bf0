"""``loyalty_recommendations_report`` on a tiny CSV whose metrics are worked out by hand."""

import csv
import gzip
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

# Before the cutoff (2024-02-01): p1 bought by 3 customers, p2 by 2, p3 by 1.
# After it: c1 buys p3 (new to c1); c2 buys p2 (a repeat) and p4 (new); c3 buys p4 (new).
ROWS = [
    ("c1", "p1", "2024-01-01"),
    ("c1", "p2", "2024-01-10"),
    ("c2", "p1", "2024-01-04"),
    ("c2", "p2", "2024-01-05"),
    ("c2", "p3", "2024-01-20"),
    ("c3", "p1", "2024-01-15"),
    ("c1", "p3", "2024-02-05"),
    ("c2", "p2", "2024-02-03"),
    ("c2", "p4", "2024-02-04"),
    ("c3", "p4", "2024-02-10"),
]
INV_LOG2_3 = 0.6309  # 1 / log2(3): the discount of rank 2


@pytest.fixture
def purchases(tmp_path):
    path = tmp_path / "purchases.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client", "sku", "when"])
        writer.writerows(ROWS)
    return path


def run_report(path, *extra) -> dict[tuple[str, str], list[float]]:
    out = StringIO()
    call_command(
        "loyalty_recommendations_report",
        "--csv", str(path),
        "--columns", "customer=client,product=sku,date=when",
        "--cutoff", "2024-02-01",
        *extra,
        stdout=out,
    )  # fmt: skip
    table = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) == 7 and parts[0] in ("repeat", "discovery"):
            table[parts[0], parts[1]] = [float(value) for value in parts[2:6]]
    return table


def test_report_prints_hand_computed_metrics(purchases):
    table = run_report(purchases)
    # Repeat, popularity [p1, p2, p3] for everyone: c1 finds p3 at rank 3 (NDCG 0.5), c2 finds
    # p2 at rank 2 of its two wanted (0.6309 / 1.6309), c3 wants p4, which nobody bought before.
    repeat_ndcg = (0.5 + INV_LOG2_3 / (1 + INV_LOG2_3)) / 3
    assert table["repeat", "popularity"] == pytest.approx(
        [0.667, 0.5, round(repeat_ndcg, 3), 1.0], abs=1e-3
    )
    # Buy again, most recent first then popular: c1 [p2, p1, p3], c2 [p3, p2, p1], c3 [p1, ...]
    assert table["repeat", "buy_again"] == pytest.approx(
        [0.667, 0.5, round(repeat_ndcg, 3), 1.0], abs=1e-3
    )
    # Discovery: only c1's p3 and the p4s count; popularity without what each already bought
    # gives c1 [p3] (a hit at rank 1), c2 nothing, c3 [p2, p3]; coverage 2 of 3 products.
    assert table["discovery", "popularity"] == pytest.approx([0.333, 0.333, 0.333, 0.667], abs=1e-3)
    # Ours: p1-p2 share two buyers, p3 one with each (c2): c1 gets p3 at rank 1, c2 has bought
    # every known product, c3 gets p2 and p3 (p4 was unknown before the cutoff).
    assert table["discovery", "ours"] == pytest.approx([0.333, 0.333, 0.333, 0.667], abs=1e-3)


def test_report_writes_ranked_recommendations_per_customer(purchases, tmp_path):
    output = tmp_path / "recommendations.csv"
    run_report(purchases, "--output", str(output))
    rows = list(csv.DictReader(output.open()))
    assert list(rows[0]) == ["customer_id", "rank", "product_id"]
    by_customer = {}
    for row in rows:
        by_customer.setdefault(row["customer_id"], []).append((int(row["rank"]), row["product_id"]))
    assert set(by_customer) == {"c1", "c2", "c3"}
    assert [rank for rank, _ in by_customer["c1"]] == [1, 2, 3]  # every product known: 3


def test_discovery_output_holds_only_products_new_to_each_customer(purchases, tmp_path):
    output = tmp_path / "discovery.csv"
    run_report(purchases, "--output", str(output), "--task", "discovery")
    by_customer = {}
    for row in csv.DictReader(output.open()):
        by_customer.setdefault(row["customer_id"], []).append(row["product_id"])
    assert by_customer["c1"] == ["p3"]  # c1 bought p1 and p2
    assert sorted(by_customer["c3"]) == ["p2", "p3"]  # c3 bought p1
    assert "c2" not in by_customer  # c2 bought p1, p2 and p3: nothing new is known


def test_report_explains_a_bad_column_mapping(purchases):
    with pytest.raises(CommandError, match="no column basket"):
        call_command(
            "loyalty_recommendations_report",
            "--csv", str(purchases),
            "--columns", "customer=basket,product=sku,date=when",
        )  # fmt: skip


def test_report_refuses_a_cutoff_outside_the_history(purchases):
    with pytest.raises(CommandError, match="cutoff must fall between"):
        run_report(purchases, "--cutoff", "2030-01-01")


def split_counts(path) -> str:
    """The report's first line, with its default cutoff (no --cutoff)."""
    out = StringIO()
    call_command(
        "loyalty_recommendations_report",
        "--csv", str(path),
        "--columns", "customer=client,product=sku,date=when",
        stdout=out,
    )  # fmt: skip
    return out.getvalue().splitlines()[0]


def write_purchases(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client", "sku", "when"])
        writer.writerows(rows)
    return path


def daily(first: date, days: int) -> list[tuple[str, str, str]]:
    """One purchase a day, ten customers taking turns over seven products."""
    return [
        (f"c{n % 10}", f"p{n % 7}", (first + timedelta(days=n)).isoformat()) for n in range(days)
    ]


def test_default_cutoff_tests_the_last_tenth_when_the_newest_purchase_is_an_outlier(tmp_path):
    # 200 purchases in 2011, then one order today: the 90 days before the newest purchase hold
    # that one order alone, so the last 10 % of purchases are tested instead.
    rows = daily(date(2011, 1, 1), 200) + [("c1", "p1", "2026-11-29")]
    path = write_purchases(tmp_path / "outlier.csv", rows)

    assert split_counts(path).startswith("180 purchases before the cutoff, 21 after;")


def test_default_cutoff_keeps_the_last_90_days_when_they_hold_enough(tmp_path):
    # 140 daily purchases (no clock change in between): the last 90 days hold 91 of them,
    # well over a tenth, so the test period stays 90 days long.
    path = write_purchases(tmp_path / "busy.csv", daily(date(2010, 11, 1), 140))

    assert split_counts(path).startswith("49 purchases before the cutoff, 91 after;")


def test_help_states_the_default_cutoff_rule():
    from oscar_loyalty.management.commands.loyalty_recommendations_report import Command

    text = " ".join(Command().create_parser("manage.py", "x").format_help().split())
    assert "the last 90 days or the last 10% of purchases, whichever reaches further back" in text


def test_a_task_with_no_customer_to_score_prints_not_applicable(tmp_path):
    # One customer re-buys what they bought before: nothing is new after the cutoff, so the
    # discovery figures are not applicable rather than NaN (or a made-up 0).
    rows = [("c1", "p1", "2024-01-01"), ("c1", "p2", "2024-01-05"), ("c1", "p1", "2024-02-05")]
    out = StringIO()
    call_command(
        "loyalty_recommendations_report",
        "--csv", str(write_purchases(tmp_path / "rebuy.csv", rows)),
        "--columns", "customer=client,product=sku,date=when",
        "--cutoff", "2024-02-01",
        stdout=out,
    )  # fmt: skip
    table = {tuple(line.split()[:2]): line.split()[2:] for line in out.getvalue().splitlines()}
    assert table["discovery", "ours"][:3] == ["n/a", "n/a", "n/a"]
    assert table["repeat", "buy_again"][:2] == ["1.000", "1.000"]  # p1 found, at rank 2


def report_text(path, *options) -> str:
    out = StringIO()
    call_command("loyalty_recommendations_report", "--csv", str(path), *options, stdout=out)
    return out.getvalue()


BY_HAND = ("--columns", "customer=client,product=sku,date=when", "--cutoff", "2024-02-01")


def uci_date(iso: str) -> str:
    """2024-02-05 as the UCI spreadsheet writes it: 2/5/2024 0:00."""
    day = date.fromisoformat(iso)
    return f"{day.month}/{day.day}/{day.year} 0:00"


def test_dates_written_month_first_are_read_with_their_format(purchases, tmp_path):
    path = write_purchases(tmp_path / "us.csv", [(c, p, uci_date(d)) for c, p, d in ROWS])

    us = report_text(path, *BY_HAND, "--date-format", "%m/%d/%Y %H:%M")

    assert us == report_text(purchases, *BY_HAND)


def test_a_date_that_is_not_iso_names_its_line_and_the_option_to_read_it(tmp_path):
    path = write_purchases(tmp_path / "us.csv", [(c, p, uci_date(d)) for c, p, d in ROWS])

    with pytest.raises(CommandError, match=r"us.csv, line 2: '1/1/2024 0:00' is not an ISO date"):
        report_text(path, *BY_HAND)
    with pytest.raises(CommandError, match="give the file's format with --date-format"):
        report_text(path, *BY_HAND)


def test_a_semicolon_delimited_file_with_a_byte_order_mark_is_read(purchases, tmp_path):
    path = tmp_path / "excel.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["when", "sku", "client"])  # other order too
        writer.writerows((d, p, c) for c, p, d in ROWS)

    assert report_text(path, *BY_HAND) == report_text(purchases, *BY_HAND)


def test_returns_are_left_out_when_a_quantity_column_is_mapped(purchases, tmp_path):
    # c3 returns p1 and c1 cancels a p4 after the cutoff: neither is a purchase to predict.
    path = tmp_path / "with_returns.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client", "sku", "when", "qty"])
        writer.writerows((c, p, d, "2") for c, p, d in ROWS)
        writer.writerows([("c3", "p1", "2024-02-06", "-1"), ("c1", "p4", "2024-02-07", "0")])
    columns = "customer=client,product=sku,date=when,quantity=qty"

    text = report_text(path, "--columns", columns, "--cutoff", "2024-02-01")

    assert text == report_text(purchases, *BY_HAND)
    assert text.startswith("6 purchases before the cutoff, 4 after;")


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (b"", (), "is empty"),
        (
            b"client;sku\nc1;p1\n",
            ("--columns", "customer=client,product=sku,date=when"),
            r"has no column when \(its header: client;sku\)",
        ),
        ("client,sku,when\nc1,café,2024-01-01\n".encode("latin-1"), BY_HAND, "is not UTF-8"),
        (b"client,sku,when\nc1,p1,2024-01-01\nc2\n", BY_HAND, "line 3 has fewer columns"),
        (
            b"client,sku,when,n\nc1,p1,2024-01-01,two\n",
            BY_HAND[:1] + ("customer=client,product=sku,date=when,quantity=n",),
            "quantity 'two' is not a number",
        ),
        (
            b"client,sku,when\nc1,p1,2024-01-01\n",
            ("--columns", "customer=client,customer=sku"),
            "names customer twice",
        ),
    ],
)
def test_a_file_that_cannot_be_used_is_explained(tmp_path, content, options, message):
    path = tmp_path / "purchases.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        report_text(path, *options)


def test_a_truncated_gzip_file_is_explained(tmp_path):
    whole = write_purchases(tmp_path / "whole.csv", daily(date(2023, 1, 1), 3000)).read_bytes()
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(whole)[:2000])
    with pytest.raises(CommandError, match="cannot read .*cut.csv.gz"):
        report_text(path, *BY_HAND)


def test_a_cutoff_outside_the_history_says_where_the_purchases_are(purchases):
    with pytest.raises(CommandError, match=r"the purchases: 2024-01-01 to 2024-02-10\)$"):
        report_text(purchases, *BY_HAND[:2], "--cutoff", "2023-12-01")


def test_a_history_shorter_than_the_default_test_period_is_explained(purchases):
    # All purchases fall within six weeks: the last 90 days hold them all.
    with pytest.raises(CommandError, match="the default test period .* leaves nothing before it"):
        report_text(purchases, *BY_HAND[:2])


def test_an_output_path_that_cannot_be_written_is_explained(purchases, tmp_path):
    with pytest.raises(CommandError, match="Cannot write .*missing/recs.csv: No such file"):
        run_report(purchases, "--output", str(tmp_path / "missing" / "recs.csv"))
