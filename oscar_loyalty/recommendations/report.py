"""Inputs and outputs of the quality report: the shop's orders or a CSV in, a table and CSV out.

A CSV names its columns with a mapping (``customer=CustomerID,product=StockCode,date=InvoiceDate``);
``online_retail=True`` reads the UCI Online Retail file through the demo loader's parser instead,
which applies that dataset's cleaning rules (cancellations, non-product codes, guests dropped).
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _

from ..demo import online_retail
from ..models import RecommendationBuild
from . import algorithm, evaluation
from .algorithm import History
from .build import history_from_orders, parameters

REQUIRED_COLUMNS = ("customer", "product", "date")
OPTIONAL_COLUMNS = ("quantity",)  # rows with a quantity of 0 or less (returns) are left out
DEFAULT_COLUMNS = {"customer": "customer_id", "product": "product_id", "date": "date"}
DELIMITERS = ",;\t|"  # tried in this order on the header line; the first naming every column wins
DEFAULT_TEST_DAYS = 90
DEFAULT_TEST_SHARE = 0.1  # at least this share of purchases is tested by default


class ReportInputError(Exception):
    """The CSV, its column mapping or the cutoff cannot be used; the message says why."""


def parse_columns(text: str | None) -> dict[str, str]:
    """``customer=A,product=B,date=C[,quantity=D]`` as a mapping (defaults for the roles not
    given; no quantity column unless one is named)."""
    mapping = dict(DEFAULT_COLUMNS)
    given: set[str] = set()
    for part in filter(None, (text or "").split(",")):
        role, sep, column = part.partition("=")
        role = role.strip()
        if not sep or role not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS or not column.strip():
            raise ReportInputError(
                _(
                    "bad column mapping %(part)r: use "
                    "customer=COLUMN,product=COLUMN,date=COLUMN[,quantity=COLUMN]"
                )
                % {"part": part}
            )
        if role in given:
            raise ReportInputError(_("the column mapping names %(role)s twice") % {"role": role})
        given.add(role)
        mapping[role] = column.strip()
    return mapping


def to_day(moment: datetime | date) -> float:
    """Days since the epoch; a date means its midnight in the shop's time zone."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.timestamp() / algorithm.SECONDS_PER_DAY


def day_to_date(day: float) -> date:
    """The shop's local date of a day number (for messages)."""
    moment = datetime.fromtimestamp(day * algorithm.SECONDS_PER_DAY, tz=UTC)
    return timezone.localtime(moment).date()


def parse_date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise ReportInputError(f"{text!r} is not a date (use YYYY-MM-DD[ HH:MM:SS])") from error


def history_from_csv(
    path: str | Path, columns: dict[str, str], date_format: str | None = None
) -> History:
    """Purchases from a CSV (plain or gzip, UTF-8, delimited by any of ``DELIMITERS``) with
    one purchased product per row. Dates are ISO 8601 unless ``date_format`` (``strptime``)
    says otherwise; without a time zone they are the shop's local time.

    Rows without a customer or product (guests) and, when a quantity column is mapped, rows
    with a quantity of 0 or less (returns, cancellations) are left out. Every way the file can
    be wrong raises ``ReportInputError`` naming the file and, where it helps, the line.
    """
    path = Path(path)
    if not path.is_file():
        raise ReportInputError(f"{path} does not exist or is not a file")
    customers, products, days = [], [], []
    number = 1
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            binary = gzip.GzipFile(fileobj=raw) if compressed else raw
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            delimiter, positions = _header(path, text.readline(), columns)
            read_day = _date_reader(date_format)
            for number, row in enumerate(csv.reader(text, delimiter=delimiter), start=2):
                if not any(field.strip() for field in row):
                    continue  # a blank line
                if len(row) <= max(positions.values()):
                    raise ReportInputError(
                        _("%(path)s, line %(line)s has fewer columns than its header")
                        % {"path": path, "line": number}
                    )
                customer, product = (
                    row[positions[role]].strip() for role in ("customer", "product")
                )
                if not customer or not product:
                    continue  # guests and blank lines cannot be attributed
                if "quantity" in positions and _quantity(row[positions["quantity"]]) <= 0:
                    continue  # a return or a cancellation, not a purchase
                days.append(read_day(row[positions["date"]].strip()))
                customers.append(customer)
                products.append(product)
    except UnicodeDecodeError as error:
        raise ReportInputError(
            _("%(path)s is not UTF-8 text: save the file as UTF-8") % {"path": path}
        ) from error
    except (OSError, EOFError, zlib.error, csv.Error) as error:
        raise ReportInputError(
            _("cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from error
    except _BadValue as error:
        raise ReportInputError(f"{path}, line {number}: {error}") from error
    if not customers:
        raise ReportInputError(f"{path} holds no purchases")
    return History.from_ids(np.array(customers), np.array(products), np.array(days))


class _BadValue(ValueError):
    """A value of one row that cannot be read; the message says which and how to fix it."""


def _header(path: Path, line: str, columns: dict[str, str]) -> tuple[str, dict[str, int]]:
    """The delimiter and each role's position, from the header line."""
    if not line.strip():
        raise ReportInputError(_("%(path)s is empty") % {"path": path})
    wanted = list(columns.values())
    headers = {
        delimiter: [name.strip() for name in next(csv.reader([line], delimiter=delimiter))]
        for delimiter in DELIMITERS
    }
    # The delimiter under which the header names the most of the mapped columns (all, if any).
    delimiter = max(DELIMITERS, key=lambda d: sum(name in headers[d] for name in wanted))
    header = headers[delimiter]
    missing = [name for name in wanted if name not in header]
    if missing:
        raise ReportInputError(
            _(
                "%(path)s has no column %(missing)s (its header: %(header)s); "
                "name them with --columns"
            )
            % {"path": path, "missing": ", ".join(missing), "header": line.strip()[:200]}
        )
    return delimiter, {role: header.index(name) for role, name in columns.items()}


def _date_reader(date_format: str | None) -> Callable[[str], float]:
    """Text to day number, each distinct text parsed once (a file repeats its dates)."""
    seen: dict[str, float] = {}

    def read(text: str) -> float:
        day = seen.get(text)
        if day is None:
            try:
                moment = (
                    datetime.strptime(text, date_format)
                    if date_format
                    else datetime.fromisoformat(text)
                )
            except ValueError as error:
                if date_format:
                    message = _("%(value)r does not match --date-format %(format)r")
                else:
                    message = _(
                        "%(value)r is not an ISO date (YYYY-MM-DD[ HH:MM[:SS]][+HH:MM]); give "
                        "the file's format with --date-format, e.g. '%%m/%%d/%%Y %%H:%%M' for "
                        "12/1/2010 8:26"
                    )
                raise _BadValue(message % {"value": text, "format": date_format}) from error
            day = seen[text] = to_day(moment)
        return day

    return read


def _quantity(text: str) -> float:
    try:
        return float(text)
    except ValueError as error:
        raise _BadValue(_("quantity %(value)r is not a number") % {"value": text}) from error


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


def check_cutoff(history: History, cutoff: float, default: bool = False) -> None:
    """Raise ``ReportInputError`` unless purchases fall on both sides of ``cutoff``, saying
    where they do fall (and, for the default cutoff, why it fell outside)."""
    if (history.days < cutoff).any() and (history.days >= cutoff).any():
        return
    dates = {
        "cutoff": day_to_date(cutoff),
        "first": day_to_date(float(history.days.min())),
        "last": day_to_date(float(history.days.max())),
    }
    message = _(
        "the cutoff must fall between the first and the last purchase (the cutoff: "
        "%(cutoff)s; the purchases: %(first)s to %(last)s)"
    )
    if default:
        message += "; " + _(
            "the default test period (the last 90 days or the last 10%% of purchases, "
            "whichever reaches further back) leaves nothing before it to learn from"
        )
    raise ReportInputError(message % dates)


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
    default = cutoff is None
    cutoff = default_cutoff(history) if default else cutoff
    check_cutoff(history, cutoff, default)
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
