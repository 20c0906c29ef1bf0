"""Inputs and outputs of the quality report: the shop's orders or a CSV in, a table and CSV out.

A CSV names its columns with a mapping (``customer=CustomerID,product=StockCode,date=InvoiceDate``);
``online_retail=True`` reads the UCI Online Retail file through the demo loader's parser instead,
which applies that dataset's cleaning rules (cancellations, non-product codes, guests dropped).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
from django.utils import timezone

from ..demo import online_retail
from ..models import RecommendationBuild
from . import algorithm, evaluation
from .algorithm import History
from .build import history_from_orders, parameters

REQUIRED_COLUMNS = ("customer", "product", "date")
DEFAULT_COLUMNS = {"customer": "customer_id", "product": "product_id", "date": "date"}
DEFAULT_TEST_DAYS = 90
DEFAULT_TEST_SHARE = 0.1  # at least this share of purchases is tested by default


class ReportInputError(Exception):
    """The CSV, its column mapping or the cutoff cannot be used; the message says why."""


def parse_columns(text: str | None) -> dict[str, str]:
    """``customer=A,product=B,date=C`` as a mapping (defaults for the roles not given)."""
    mapping = dict(DEFAULT_COLUMNS)
    for part in filter(None, (text or "").split(",")):
        role, sep, column = part.partition("=")
        role = role.strip()
        if not sep or role not in REQUIRED_COLUMNS or not column.strip():
            raise ReportInputError(
                f"bad column mapping {part!r}: use customer=COLUMN,product=COLUMN,date=COLUMN"
            )
        mapping[role] = column.strip()
    return mapping


def to_day(moment: datetime | date) -> float:
    """Days since the epoch; a date means its midnight in the shop's time zone."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.timestamp() / algorithm.SECONDS_PER_DAY


def parse_date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ReportInputError(f"{text!r} is not a date (use YYYY-MM-DD[ HH:MM:SS])") from error


def history_from_csv(path: str | Path, columns: dict[str, str]) -> History:
    """Purchases from a CSV (plain or gzip) with one purchased product per row."""
    path = Path(path)
    if not path.is_file():
        raise ReportInputError(f"{path} does not exist or is not a file")
    customers, products, days = [], [], []
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        binary = gzip.GzipFile(fileobj=raw) if compressed else raw
        reader = csv.DictReader(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""))
        missing = [name for name in columns.values() if name not in (reader.fieldnames or [])]
        if missing:
            raise ReportInputError(f"{path} has no column {', '.join(missing)}")
        for number, row in enumerate(reader, start=2):
            customer, product = row[columns["customer"]].strip(), row[columns["product"]].strip()
            if not customer or not product:
                continue  # guests and blank lines cannot be attributed
            try:
                days.append(to_day(datetime.fromisoformat(row[columns["date"]].strip())))
            except ValueError as error:
                raise ReportInputError(f"{path}, line {number}: bad date") from error
            customers.append(customer)
            products.append(product)
    if not customers:
        raise ReportInputError(f"{path} holds no purchases")
    return History.from_ids(np.array(customers), np.array(products), np.array(days))


def history_from_online_retail(path: str | Path, progress: Callable | None = None) -> History:
    """The Online Retail file, cleaned as its README recommends (the demo loader's parser)."""
    try:
        lines = list(online_retail.read_lines(path, progress))
    except online_retail.DemoDataError as error:
        raise ReportInputError(str(error)) from error
    return History.from_ids(
        np.array([line.customer_id for line in lines]),
        np.array([line.stock_code for line in lines]),
        np.array([to_day(line.invoice_date) for line in lines]),
    )


def default_cutoff(history: History) -> float:
    """The test period is the last ``DEFAULT_TEST_DAYS`` or the last ``DEFAULT_TEST_SHARE`` of
    purchases, whichever reaches further back.

    90 days alone fails when the newest purchase is an outlier (one order placed today in a
    shop whose other orders are years old): the test period then holds that one order and
    every figure is 0. A share of purchases alone would make the test period of a busy shop a
    few days long.
    """
    newest = float(history.days.max())
    days = np.sort(history.days)
    first_tested = days[int(len(days) * (1 - DEFAULT_TEST_SHARE))]
    return min(newest - DEFAULT_TEST_DAYS, float(first_tested))


def check_cutoff(history: History, cutoff: float) -> None:
    if not (history.days < cutoff).any() or not (history.days >= cutoff).any():
        raise ReportInputError("the cutoff must fall between the first and the last purchase")


def write_recommendations(path: str | Path, lists: np.ndarray, train: History) -> int:
    """``customer_id,rank,product_id`` rows (rank from 1), one list per customer with history.

    Returns the number of customers written.
    """
    has_history = np.zeros(train.shape[0], dtype=bool)
    has_history[train.customers] = True
    customer_ids = train.customer_ids[has_history]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "rank", "product_id"])
        for customer, ranked in zip(customer_ids.tolist(), lists, strict=True):
            ranked = ranked[ranked >= 0]
            products = train.product_ids[ranked].tolist()
            writer.writerows(
                (customer, rank, product) for rank, product in enumerate(products, start=1)
            )
    return len(customer_ids)


def evaluate_shop(
    cutoff: float | None = None, k: int = evaluation.DEFAULT_K
) -> tuple[evaluation.Report, dict[str, np.ndarray], History]:
    """The report on the shop's own orders, kept on the latest build for the dashboard.

    Raises ``ReportInputError`` when there is nothing to split (no orders, bad cutoff).
    """
    history = history_from_orders()
    if not len(history.customers):
        raise ReportInputError("the shop has no orders from customers yet")
    cutoff = default_cutoff(history) if cutoff is None else cutoff
    check_cutoff(history, cutoff)
    result, lists, train = evaluation.evaluate(history, cutoff, parameters(), k)
    build = RecommendationBuild.objects.filter(status=RecommendationBuild.SUCCEEDED).first()
    if build is not None:
        build.report = result.as_dict()
        build.save(update_fields=["report"])
    return result, lists, train


def format_report(report: evaluation.Report) -> list[str]:
    """The report as aligned text lines, our recommender next to the baselines per task."""
    k = report.k
    lines = [
        f"{'task':<10} {'method':<11} {f'HitRate@{k}':>11} {f'Recall@{k}':>10} "
        f"{f'NDCG@{k}':>8} {'coverage':>9} {'customers':>10}"
    ]
    for task, methods in report.results.items():
        for method, metrics in methods.items():
            lines.append(
                f"{task:<10} {method:<11} {_figure(metrics.hit_rate):>11} "
                f"{_figure(metrics.recall):>10} {_figure(metrics.ndcg):>8} "
                f"{metrics.coverage:>9.3f} {metrics.customers:>10,}"
            )
    return lines


def _figure(value: float | None) -> str:
    """A metric to three places; "n/a" when no customer was scored (not a made-up 0)."""
    return "n/a" if value is None else f"{value:.3f}"
