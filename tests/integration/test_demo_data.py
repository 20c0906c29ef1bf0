"""The Online Retail demo loader: cleaning rules, derived catalogue, replayed orders, re-runs.

Every test writes its own tiny gzip CSV in the real file's layout, so they run in milliseconds and
pin down each cleaning rule with a line that must be dropped next to lines that must stay.
"""

import csv
import gzip
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from haystack import connections as haystack_connections
from haystack.query import SearchQuerySet
from oscar.core.loading import get_class, get_model

from oscar_loyalty.demo.online_retail import (
    categorise,
    country_code,
    load_dataset,
    read_lines,
    sample_customers,
    title_case,
)
from oscar_loyalty.management.commands.loyalty_load_demo_data import Command

Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
ShippingAddressForm = get_class("checkout.forms", "ShippingAddressForm")
Line = get_model("order", "Line")
Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

LONDON = ZoneInfo("Europe/London")
HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice"]
HEADER += ["CustomerID", "Country"]
HEART, LANTERN, WARMER, CLOCK, ASHTRAY = "85123A", "71053", "22633", "22728", "DCGS0003"
NAMES = {
    HEART: "WHITE HANGING HEART T-LIGHT HOLDER",
    LANTERN: "WHITE METAL LANTERN",
    WARMER: "HAND WARMER UNION JACK",
    CLOCK: "ALARM CLOCK BAKELIKE PINK",
    ASHTRAY: "BOXED GLASS ASHTRAY",
}
UK = "United Kingdom"


def row(invoice, code, quantity, date, price, customer, country=UK, description=None):
    description = NAMES.get(code, code) if description is None else description
    return (invoice, code, description, quantity, date, price, customer, country)


KEPT = [
    row("536365", HEART, 6, "2010-12-01 08:26:00", "2.55", "17850"),
    row("536365", LANTERN, 6, "2010-12-01 08:26:00", "3.39", "17850"),
    row("536366", HEART, 2, "2011-07-15 14:30:00", "2.95", "17850"),  # British Summer Time
    row("536367", HEART, 1, "2011-07-16 10:00:00", "2.55", "17850", description="CREAM HEART"),
    row("536368", HEART, 3, "2011-02-01 09:00:00", "2.55", "13047", "EIRE"),
    row("536368", WARMER, 12, "2011-02-01 09:00:00", "2.10", "13047", "EIRE"),
    row("536372", ASHTRAY, 1, "2011-03-01 12:00:00", "2.51", "12583", "France"),  # DCGS stays
    row("536373", CLOCK, 4, "2011-01-05 09:00:00", "3.75", "12583", "France"),
    row("536374", CLOCK, 2, "2011-05-05 11:00:00", "3.75", "16000", "Unspecified"),
]
DROPPED = [  # each line breaks exactly one rule, so each rule is pinned down on its own
    row("536380", WARMER, 6, "2011-02-02 09:00:00", "2.10", ""),  # no customer
    row("C536381", HEART, 1, "2011-02-03 09:00:00", "2.55", "17850"),  # cancellation
    row("A563185", CLOCK, 1, "2011-08-12 14:50:00", "3.75", "17850"),  # bad-debt adjustment
    row("536382", CLOCK, 0, "2011-02-04 09:00:00", "3.75", "12583", "France"),  # quantity 0
    row("536383", CLOCK, 3, "2011-02-05 09:00:00", "0.00", "12583", "France"),  # free
    row("536372", "POST", 1, "2011-03-01 12:00:00", "18.00", "12583", "France"),  # postage
    row("536372", "gift_0001_20", 1, "2011-03-01 12:00:00", "17.02", "12583", "France"),
    row("536384", "BANK CHARGES", 1, "2011-02-06 09:00:00", "15.00", "13047", "EIRE"),
    row("536385", "m", 1, "2011-02-07 09:00:00", "2.00", "13047", "EIRE"),  # manual
]
SHOPPER_CUSTOMER = 17850  # three orders, the most of any customer in the file


def write_csv(path, rows):
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def retail_file(tmp_path):
    return write_csv(tmp_path / "online_retail.csv.gz", KEPT + DROPPED)


@pytest.fixture(autouse=True)
def _forget_indexed_products():
    """The loader writes to the search index, which no database rollback undoes."""
    yield
    haystack_connections["default"].get_backend().clear(models=[Product])


def load(path, *args, verbosity=1):
    out, err = StringIO(), StringIO()
    options = {"verbosity": verbosity, "stdout": out, "stderr": err}
    call_command("loyalty_load_demo_data", "--path", str(path), *args, **options)
    return out.getvalue(), err.getvalue()


def snapshot():
    models = [Product, StockRecord, Category, ProductCategory, User, Order, Line, ShippingAddress]
    return {model.__name__: model.objects.count() for model in models}


def test_cleaning_keeps_exactly_the_product_purchases_of_known_customers(retail_file):
    lines = list(read_lines(retail_file))

    assert [(line.invoice, line.stock_code) for line in lines] == [kept[:2] for kept in KEPT]


def test_reads_uncompressed_csv_too(retail_file, tmp_path):
    plain = tmp_path / "online_retail.csv"
    plain.write_bytes(gzip.decompress(retail_file.read_bytes()))

    assert list(read_lines(plain)) == list(read_lines(retail_file))


def test_reads_the_uci_spreadsheets_month_first_dates(retail_file, tmp_path):
    # The UCI spreadsheet, saved as CSV, writes 2011-07-15 14:30:00 as 7/15/2011 14:30.
    def month_first(row):
        moment = datetime.fromisoformat(row[4])
        us = f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"
        return (*row[:4], us, *row[5:])

    spreadsheet = write_csv(tmp_path / "exported.csv.gz", [month_first(r) for r in KEPT + DROPPED])

    assert list(read_lines(spreadsheet)) == list(read_lines(retail_file))


def test_lines_are_typed_and_invoice_times_are_uk_local_time(retail_file):
    summer = next(line for line in read_lines(retail_file) if line.invoice == "536366")

    assert (summer.quantity, summer.unit_price, summer.customer_id) == (2, Decimal("2.95"), 17850)
    assert summer.invoice_date == datetime(2011, 7, 15, 13, 30, tzinfo=UTC)


def test_products_take_the_most_frequent_description_and_price(retail_file):
    dataset = load_dataset(retail_file)

    heart = dataset.products[HEART]
    assert heart.title == "White Hanging Heart T-Light Holder"
    assert heart.price == Decimal("2.55")  # 3 lines at 2.55, 1 at 2.95
    assert heart.category == "Candles & Lights"
    assert sorted(dataset.products) == sorted(NAMES)
    countries = {cid: customer.country_code for cid, customer in dataset.customers.items()}
    assert countries == {17850: "GB", 13047: "IE", 12583: "FR", 16000: "GB"}
    assert dataset.customers[SHOPPER_CUSTOMER].order_count == 3


@pytest.mark.parametrize(
    ("description", "title"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("PACK OF 72 RETROSPOT CAKE CASES", "Pack of 72 Retrospot Cake Cases"),
        ("SANTA'S  LED LIGHTS", "Santa's LED Lights"),
        ("RETRO PLASTIC 70'S TRAY 60CM", "Retro Plastic 70's Tray 60CM"),
        ("KEY FOB , BACK DOOR ", "Key Fob, Back Door"),
    ],
)
def test_title_case(description, title):
    assert title_case(description) == title


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("CHRISTMAS CANDLE HOLDER", "Christmas"),  # a theme wins over the product type
        ("WHITE HANGING HEART T-LIGHT HOLDER", "Candles & Lights"),  # hyphenated keyword
        ("JUMBO BAG RED RETROSPOT", "Bags"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN", "Kitchen & Dining"),
        ("HAND WARMER UNION JACK", "Bath & Beauty"),  # a two-word phrase
        ("FELT FARM ANIMAL SHEEP", "Other"),
    ],
)
def test_categorise_first_matching_keyword_group_wins(description, category):
    assert categorise(description) == category


@pytest.mark.parametrize(
    ("name", "code"),
    [("United Kingdom", "GB"), ("EIRE", "IE"), ("RSA", "ZA"), ("Unspecified", "GB"), ("?", "GB")],
)
def test_country_codes(name, code):
    assert country_code(name) == code


def test_sample_is_deterministic_for_a_seed(tmp_path):
    rows = [
        row(str(600000 + n), HEART, 1, "2011-02-01 09:00", "2.55", str(12000 + n))
        for n in range(50)
    ]
    dataset = load_dataset(write_csv(tmp_path / "many.csv.gz", rows))

    first = sample_customers(dataset, 10, seed=1)
    assert first == sample_customers(dataset, 10, seed=1)
    assert len(first) == 10 and set(first) <= set(dataset.customers)
    assert first != sample_customers(dataset, 10, seed=2)
    assert sample_customers(dataset, None, seed=1) == sorted(dataset.customers)


@pytest.mark.django_db
def test_loads_a_catalogue_with_stock_and_one_category_per_product(retail_file):
    load(retail_file, "--all")

    heart = Product.objects.get(upc=HEART)
    assert heart.title == "White Hanging Heart T-Light Holder"
    assert heart.product_class.name == "Gift" and heart.product_class.track_stock
    record = StockRecord.objects.get(product=heart)
    assert (record.price, record.price_currency, record.num_in_stock) == (
        Decimal("2.55"),
        "GBP",
        1000,
    )
    assert record.partner.name == "Online Retail Ltd"
    assert sorted(Product.objects.values_list("upc", flat=True)) == sorted(NAMES)
    per_product = Product.objects.annotate(n=Count("categories")).values_list("n", flat=True)
    assert set(per_product) == {1}
    assert [category.name for category in heart.categories.all()] == ["Candles & Lights"]


@pytest.mark.django_db
def test_replays_orders_on_their_original_dates_with_line_totals(retail_file):
    load(retail_file, "--all", "--original-dates")  # the shift itself: test_demo_dates.py

    assert sorted(Order.objects.values_list("number", flat=True)) == sorted({r[0] for r in KEPT})
    assert Line.objects.count() == len(KEPT)
    order = Order.objects.get(number="536365")
    assert order.date_placed == datetime(2010, 12, 1, 8, 26, tzinfo=LONDON)
    summer = Order.objects.get(number="536366").date_placed
    assert summer == datetime(2011, 7, 15, 14, 30, tzinfo=LONDON)
    assert (order.status, order.currency, order.shipping_incl_tax) == ("Complete", "GBP", 0)
    assert order.total_incl_tax == order.total_excl_tax == Decimal("35.64")  # 6 x 2.55 + 6 x 3.39
    line = order.lines.get(upc=LANTERN)
    assert (line.quantity, line.unit_price_incl_tax, line.line_price_incl_tax) == (
        6,
        Decimal("3.39"),
        Decimal("20.34"),
    )
    assert line.line_price_excl_tax == line.line_price_incl_tax
    assert line.product.upc == LANTERN and line.stockrecord.product_id == line.product_id
    assert line.partner.name == line.partner_name == "Online Retail Ltd"


@pytest.mark.django_db
def test_customers_get_users_and_one_shipping_address_in_their_country(retail_file):
    load(retail_file, "--all")

    irish = User.objects.get(email="customer13047@demo.example.com")
    assert irish.check_password("demo-password")
    assert irish.orders.get().shipping_address.country_id == "IE"
    unspecified = User.objects.get(email="customer16000@demo.example.com")
    assert unspecified.orders.get().shipping_address.country_id == "GB"
    shopper = User.objects.get(email="shopper@example.com")
    assert shopper.check_password("shopper") and not shopper.is_staff
    assert shopper.orders.count() == 3
    assert shopper.orders.values("shipping_address").distinct().count() == 1
    assert not User.objects.filter(email=f"customer{SHOPPER_CUSTOMER}@demo.example.com").exists()
    assert not Country.objects.get(pk="IE").is_shipping_country  # a past order's address only


@pytest.mark.django_db
def test_the_demo_shop_ships_to_the_uk_only_so_checkout_takes_a_uk_postcode(retail_file):
    # What `make sandbox` did before: every country a shipping country.
    call_command("oscar_populate_countries", "--initial-only", verbosity=0)
    assert Country.objects.filter(is_shipping_country=True).count() > 200
    load(retail_file, "--all")

    assert list(Country.objects.filter(is_shipping_country=True).values_list("pk", flat=True)) == [
        "GB"
    ]
    form = ShippingAddressForm(
        data={
            "first_name": "Ann",
            "last_name": "Smith",
            "line1": "1 High Street",
            "line4": "London",
            "postcode": "SW1A 1AA",
            "phone_number": "",
        }
    )
    assert "country" not in form.fields
    assert form.is_valid(), form.errors
    assert form.instance.country_id == "GB"


@pytest.mark.django_db
def test_creates_admin_and_prints_credentials_and_counts(retail_file):
    out, _ = load(retail_file, "--all")

    admin = User.objects.get(username="admin")
    assert admin.email == "admin@example.com" and admin.check_password("admin")
    assert admin.is_staff and admin.is_superuser
    assert "admin@example.com / admin" in out
    assert "shopper@example.com / shopper" in out
    assert "order lines" in out and f"{len(KEPT)}  ({len(KEPT)} new)" in out


@pytest.mark.django_db
def test_running_twice_creates_nothing_twice(retail_file):
    load(retail_file, "--all")
    before = snapshot()

    out, _ = load(retail_file, "--all")

    assert snapshot() == before
    assert "(0 new)" in out and "(1 new)" not in out


@pytest.mark.django_db
def test_sample_loads_whole_histories_then_all_adds_only_the_rest(retail_file):
    load(retail_file, "--customers", "1", "--seed", "3")
    sampled = {order.user_id for order in Order.objects.all()}
    assert len(sampled) == 1
    shopper = User.objects.get(email="shopper@example.com")
    assert sampled == {shopper.pk}  # the only sampled customer is the demo shopper
    numbers = set(shopper.orders.values_list("number", flat=True))
    dataset = load_dataset(retail_file)
    customer = dataset.orders[next(iter(numbers))].customer_id
    assert customer != SHOPPER_CUSTOMER  # so --all would pick someone else if it could
    assert numbers == {o.number for o in dataset.orders.values() if o.customer_id == customer}

    load(retail_file, "--all")
    load(retail_file, "--all")

    assert Order.objects.count() == len(dataset.orders)
    assert set(shopper.orders.values_list("number", flat=True)) == numbers  # still the same person
    assert User.objects.filter(email__endswith="@demo.example.com").count() == 3
    assert ShippingAddress.objects.count() == 4
    assert Category.objects.values("name").distinct().count() == Category.objects.count()


@pytest.mark.django_db
def test_a_re_run_refills_an_emptied_search_index(retail_file):
    load(retail_file, "--all")
    haystack_connections["default"].get_backend().clear(models=[Product])

    out, _ = load(retail_file, "--all")

    assert SearchQuerySet().models(Product).count() == len(NAMES)
    assert f"Search index updated: {len(NAMES)} products" in out


@pytest.mark.django_db
def test_reads_the_path_from_the_setting(retail_file, settings):
    settings.OSCAR_LOYALTY_DEMO_DATA = str(retail_file)

    call_command("loyalty_load_demo_data", "--all", verbosity=0)

    assert Order.objects.count() == len({r[0] for r in KEPT})


def test_help_lists_the_options():
    text = Command().create_parser("manage.py", "loyalty_load_demo_data").format_help()

    assert all(option in text for option in ("--path", "--customers", "--all", "--seed"))


@pytest.mark.django_db
def test_verbosity_zero_prints_nothing(retail_file):
    assert load(retail_file, verbosity=0) == ("", "")
    assert Order.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"\x1f\x8b\x08 not really gzip", "cannot read"),
        (b"Name,Price\nMug,2.55\n", "not the Online Retail CSV"),
        (b"InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
         b"536365,85123A,HEART,six,2010-12-01 08:26:00,2.55,17850,United Kingdom\n", "line 2"),
    ],
)  # fmt: skip
def test_bad_files_give_a_command_error(tmp_path, content, message):
    path = tmp_path / "broken.csv.gz"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError, match=message):
        load(path)
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_writes_in_batches_not_a_query_per_line(tmp_path, django_assert_max_num_queries):
    rows = [
        row(str(600000 + n), code, 1 + n % 5, "2011-03-01 10:00:00", "1.25", str(13000 + n % 40))
        for n in range(200)
        for code in NAMES
    ]
    path = write_csv(tmp_path / "bulk.csv.gz", rows)

    with django_assert_max_num_queries(150):  # 1,000 lines, 200 orders, 40 customers
        load(path, "--all", "--batch-size", "50")

    assert Line.objects.count() == 1000


@pytest.mark.django_db
def test_the_shop_shows_loaded_products_and_categories(retail_file, client):
    load(retail_file, "--all")
    heart = Product.objects.get(upc=HEART)

    page = client.get(heart.get_absolute_url())
    assert page.status_code == 200
    assert "White Hanging Heart T-Light Holder" in page.text and "£2.55" in page.text
    listing = client.get(heart.categories.get().get_absolute_url())
    assert listing.status_code == 200 and heart.title in listing.text
