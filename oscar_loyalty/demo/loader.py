"""Write the cleaned Online Retail data into Oscar: catalogue, customers and historic orders.

Historic orders are written with ``bulk_create`` instead of Oscar's ``OrderCreator``: they were
placed and paid long ago, so no basket, stock allocation, offer, e-mail or ``order_placed`` signal
must run (points are awarded later by a backfill command), and one ``INSERT`` per batch instead of
several queries per line is what loads the full history in a minute. Everything is looked up by a
natural key first (UPC, e-mail, order number, category name), so running the loader again, or
with a bigger sample, creates nothing twice.

Every date (orders, ``date_joined``) is moved by the offset of ``dates.date_offset``: the
2010-2011 history then ends yesterday, every interval between orders kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sites.models import Site
from django.db import connection, transaction
from django.db.models import Model
from django.utils.text import slugify
from oscar.checks import use_productcategory_materialised_view
from oscar.core.loading import get_model

from . import online_retail as retail
from .dates import shifted

Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
Line = get_model("order", "Line")
Order = get_model("order", "Order")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
ShippingAddress = get_model("order", "ShippingAddress")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

PARTNER_NAME = "Online Retail Ltd"
PRODUCT_CLASS_NAME = "Gift"
CURRENCY = "GBP"  # the dataset's prices are pounds sterling, whatever the shop's default
STOCK_LEVEL = 1000  # plenty, so every demo product can be bought in the sandbox
ORDER_STATUS = "Complete"  # delivered long ago
SHIPPING_METHOD, SHIPPING_CODE = "Free shipping", "free-shipping"  # Oscar's Free method
ADDRESS_LINE = "Address not recorded"  # the dataset only says which country
CUSTOMER_PASSWORD = "demo-password"
CUSTOMER_EMAIL = "customer{id}@demo.example.com"
CENT, ZERO = Decimal("0.01"), Decimal("0.00")
IN_CHUNK = 500  # values per ``__in`` lookup: far below every database's parameter limit
REFRESH_HIERARCHY = "REFRESH MATERIALIZED VIEW CONCURRENTLY catalogue_product_category_hierarchy"
HAS_USERNAME = any(f.name == "username" for f in User._meta.fields)  # Oscar's own User has none

#: ``progress(stage, done, total)``; stages: catalogue, customers, orders (in lines), index.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoAccount:
    """A sign-in the command prints, so whoever runs the sandbox can log straight in."""

    username: str
    email: str
    password: str
    last_name: str
    staff: bool = False


ADMIN = DemoAccount("admin", "admin@example.com", "admin", "Admin", staff=True)
SHOPPER = DemoAccount("shopper", "shopper@example.com", "shopper", "Shopper")


@dataclass
class Count:
    total: int = 0
    created: int = 0


@dataclass
class LoadStats:
    """What the shop holds of the loaded sample (``total``) and what this run added."""

    products: Count = field(default_factory=Count)
    categories: Count = field(default_factory=Count)
    customers: Count = field(default_factory=Count)
    orders: Count = field(default_factory=Count)
    lines: Count = field(default_factory=Count)
    catalogue_changed: bool = False
    indexed: int = 0
    shopper_customer_id: int | None = None
    shopper_order_count: int = 0
    date_offset: timedelta = timedelta(0)
    newest_order: datetime | None = None  # of the loaded sample, as stored


def customer_email(customer_id: int) -> str:
    return CUSTOMER_EMAIL.format(id=customer_id)


def load_demo_data(
    dataset: retail.Dataset,
    customer_ids: Sequence[int],
    *,
    progress: Progress | None = None,
    batch_size: int = 500,
    reindex: bool = False,
    offset: timedelta = timedelta(0),
) -> LoadStats:
    """Load the whole catalogue plus these customers with all their orders.

    One transaction: a failure leaves nothing half-loaded (a re-run never meets a customer with
    part of their history), and SQLite writes one journal instead of thousands. The search index
    (which Oscar's category pages read) is updated after the commit when the catalogue changed,
    the index lacks products or ``reindex`` asks for it: ``bulk_create`` sends no signals.
    Every order and ``date_joined`` is moved by ``offset`` (see :func:`date_offset`).
    """
    report = progress or (lambda stage, done, total: None)
    stats = LoadStats(date_offset=offset)
    with transaction.atomic():
        report("catalogue", 0, len(dataset.products))
        partner, catalogue = load_catalogue(dataset, stats, batch_size)
        countries = ensure_countries(dataset.customers[cid].country_code for cid in customer_ids)
        report("catalogue", len(dataset.products), len(dataset.products))
        report("customers", 0, len(customer_ids))
        user_ids = load_customers(dataset, customer_ids, stats, batch_size, offset)
        report("customers", len(customer_ids), len(customer_ids))
        replay = Replay(dataset, user_ids, partner, catalogue, countries, batch_size, offset)
        replay.run(customer_ids, stats, report)
    force = reindex or stats.catalogue_changed
    stats.indexed = update_search_index(report, batch_size, force=force)
    return stats


def ensure_countries(codes: Iterable[str]) -> dict[str, Any]:
    """The ``address.Country`` rows of these ISO codes (and GB), for the past orders' addresses.

    The demo shop is a UK one pricing in GBP, so it ships to GB only: Oscar's checkout then
    leaves out the country field and takes UK postcodes, instead of offering every country
    ``oscar_populate_countries`` loaded with Afghanistan first.
    """
    home = retail.FALLBACK_COUNTRY
    codes = sorted(set(codes) | {home})
    existing = set(Country.objects.filter(pk__in=codes).values_list("pk", flat=True))
    fields = ("iso_3166_1_a3", "iso_3166_1_numeric", "printable_name")
    Country.objects.bulk_create(
        Country(
            iso_3166_1_a2=code,
            name=retail.COUNTRIES[code][2],
            is_shipping_country=code == home,
            **dict(zip(fields, retail.COUNTRIES[code], strict=True)),
        )
        for code in codes
        if code not in existing
    )
    Country.objects.filter(is_shipping_country=True).exclude(pk=home).update(
        is_shipping_country=False
    )
    Country.objects.filter(pk=home).update(is_shipping_country=True)
    return Country.objects.in_bulk(codes)


def ensure_categories(names: Iterable[str]) -> tuple[dict[str, int], int]:
    """Top-level categories by name (alphabetical, "Other" last) and how many were created.

    Treebeard assigns tree paths one node at a time, so the dozen or so categories are created
    one by one through it, which also runs Oscar's category signals.
    """
    wanted = sorted(set(names), key=lambda name: (name == retail.OTHER_CATEGORY, name))
    roots = Category.objects.filter(depth=1, name__in=wanted).order_by("-path")
    ids = dict(roots.values_list("name", "pk"))  # the first root of a duplicated name wins
    add_root = getattr(Category.objects, "add_root", None)  # treebeard >= 7; older: on the class
    missing = [name for name in wanted if name not in ids]
    for name in missing:
        category = add_root({"name": name}) if add_root else Category.add_root(name=name)
        ids[name] = category.pk
    return ids, len(missing)


def load_catalogue(
    dataset: retail.Dataset, stats: LoadStats, batch_size: int
) -> tuple[Any, dict[str, tuple[int, int, str]]]:
    """One product per stock code, each with a stock record and exactly one category.

    Returns the partner and, per stock code, (product pk, stock record pk, title): what an
    order line points at.
    """
    product_class = _first_or_create(
        ProductClass, PRODUCT_CLASS_NAME, requires_shipping=True, track_stock=True
    )
    partner = _first_or_create(Partner, PARTNER_NAME)
    products = dataset.products
    category_ids, created = ensure_categories(info.category for info in products.values())
    stats.categories = Count(total=len(category_ids), created=created)

    codes = sorted(products)
    product_ids = _ids_by(Product, "upc", codes)
    new_products = [
        Product(
            upc=code,
            title=products[code].title,
            slug=slugify(products[code].title)[:255] or slugify(code),
            product_class=product_class,
            structure=Product.STANDALONE,
        )
        for code in codes
        if code not in product_ids
    ]
    Product.objects.bulk_create(new_products, batch_size=batch_size)
    product_ids = _ids_by(Product, "upc", codes) if new_products else product_ids
    stats.products = Count(total=len(codes), created=len(new_products))

    pks = product_ids.values()
    stockrecord_ids = _ids_by(StockRecord, "product_id", pks, partner=partner)
    new_records = [
        StockRecord(
            product_id=product_ids[code],
            partner=partner,
            partner_sku=code,
            price_currency=CURRENCY,
            price=products[code].price.quantize(CENT),
            num_in_stock=STOCK_LEVEL,
        )
        for code in codes
        if product_ids[code] not in stockrecord_ids
    ]
    StockRecord.objects.bulk_create(new_records, batch_size=batch_size)
    if new_records:
        stockrecord_ids = _ids_by(StockRecord, "product_id", pks, partner=partner)

    categorised = _ids_by(ProductCategory, "product_id", pks)
    new_links = [
        ProductCategory(product_id=product_ids[code], category_id=category_ids[info.category])
        for code, info in sorted(products.items())
        if product_ids[code] not in categorised
    ]
    ProductCategory.objects.bulk_create(new_links, batch_size=batch_size)
    if new_links and use_productcategory_materialised_view():
        with connection.cursor() as cursor:  # what Oscar's post_save receiver would have done
            cursor.execute(REFRESH_HIERARCHY)
    stats.catalogue_changed = bool(new_products or new_records or new_links or created)

    items = {
        code: (pk, stockrecord_ids[pk], products[code].title) for code, pk in product_ids.items()
    }
    return partner, items


def ensure_account(account: DemoAccount) -> tuple[Any, bool]:
    """The demo account by e-mail (or username), created if missing.

    An existing account keeps its password: the command never resets a password someone chose.
    """
    user = User.objects.filter(email__iexact=account.email).order_by("pk").first()
    if user is None and HAS_USERNAME:
        user = User.objects.filter(username=account.username).first()
    if user is None:
        user = User(**_user_fields(account.username, account.email))
        user.set_password(account.password)
        user.is_staff = user.is_superuser = account.staff
        user.first_name, user.last_name = "Demo", account.last_name
        user.save()
        return user, True
    if account.staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user, False


def resolve_shopper(
    dataset: retail.Dataset, customer_ids: Sequence[int], shopper: Any
) -> int | None:
    """The customer whose history the demo shopper owns.

    Once the shopper owns orders it stays that customer, whatever a later run samples (a bigger
    sample must not turn it into someone else); before that, the sampled customer with the most
    orders, the richest history to show.
    """
    numbers = Order.objects.filter(user=shopper).order_by("pk").values_list("number", flat=True)
    for number in numbers.iterator():
        if number in dataset.orders:
            return dataset.orders[number].customer_id
    return retail.pick_shopper(dataset, customer_ids)


def load_customers(
    dataset: retail.Dataset,
    customer_ids: Sequence[int],
    stats: LoadStats,
    batch_size: int,
    offset: timedelta = timedelta(0),
) -> dict[int, int]:
    """The admin, the demo shopper and a user per sampled customer (customer id -> user pk).

    All customers share one password hash: hashing is slow by design, and hashing
    ``demo-password`` thousands of times would take minutes.
    """
    ensure_account(ADMIN)
    shopper, shopper_created = ensure_account(SHOPPER)
    shopper_id = stats.shopper_customer_id = resolve_shopper(dataset, customer_ids, shopper)
    if shopper_id is not None:
        stats.shopper_order_count = dataset.customers[shopper_id].order_count
        if shopper_created:
            shopper.date_joined = shifted(dataset.customers[shopper_id].first_order, offset)
            shopper.save(update_fields=["date_joined"])

    emails = {cid: customer_email(cid) for cid in customer_ids if cid != shopper_id}
    existing = _ids_by(User, "email", emails.values())
    password = make_password(CUSTOMER_PASSWORD)
    new_users = [
        User(
            **_user_fields(f"customer{cid}", email),
            password=password,
            date_joined=shifted(dataset.customers[cid].first_order, offset),
        )
        for cid, email in emails.items()
        if email not in existing
    ]
    User.objects.bulk_create(new_users, batch_size=batch_size)
    by_email = _ids_by(User, "email", emails.values()) if new_users else existing
    user_ids = {cid: by_email[email] for cid, email in emails.items()}
    sampled_shopper = shopper_id in set(customer_ids)
    if sampled_shopper:
        user_ids[shopper_id] = shopper.pk
    created = len(new_users) + int(sampled_shopper and shopper_created)
    stats.customers = Count(total=len(user_ids), created=created)
    return user_ids


@dataclass
class Replay:
    """Replays customers' invoices as complete Oscar orders, on their dates moved by ``offset``.

    Prices are taken as tax-inclusive with zero tax (the data has no tax split), totals are the
    sum of the lines, shipping is free. Order numbers are the invoice numbers: numbers that
    already exist are skipped.
    """

    dataset: retail.Dataset
    user_ids: dict[int, int]
    partner: Any
    catalogue: dict[str, tuple[int, int, str]]
    countries: dict[str, Any]
    batch_size: int = 500
    offset: timedelta = timedelta(0)

    def run(self, customer_ids: Sequence[int], stats: LoadStats, report: Progress) -> None:
        orders = self.dataset.orders_of(customer_ids)
        existing = _ids_by(Order, "number", (order.number for order in orders))
        todo = [order for order in orders if order.number not in existing]
        stats.orders = Count(total=len(orders), created=len(todo))
        created_lines = sum(len(order.lines) for order in todo)
        stats.lines = Count(sum(len(order.lines) for order in orders), created_lines)
        if orders:
            stats.newest_order = shifted(orders[-1].date_placed, self.offset)
        report("orders", 0, created_lines)
        if not todo:
            return
        try:
            site = Site.objects.get_current()
        except Site.DoesNotExist:  # orders keep a nullable site
            site = None
        address_ids = self.shipping_addresses({order.customer_id for order in todo})
        done = 0
        for batch in _chunks(todo, self.batch_size):
            orders = [self.order(info, site, address_ids[info.customer_id]) for info in batch]
            # PostgreSQL and SQLite >= 3.35 return the new pks, which the lines point at
            Order.objects.bulk_create(orders, batch_size=self.batch_size)
            lines = [
                self.line(order.pk, line)
                for info, order in zip(batch, orders, strict=True)
                for line in info.lines
            ]
            Line.objects.bulk_create(lines, batch_size=self.batch_size)
            done += len(lines)
            report("orders", done, created_lines)

    def order(self, info: retail.OrderInfo, site: Site | None, address_id: int) -> Any:
        total = sum((_line_total(line) for line in info.lines), ZERO)
        return Order(
            number=info.number,
            site=site,
            user_id=self.user_ids[info.customer_id],
            currency=CURRENCY,
            total_incl_tax=total,
            total_excl_tax=total,
            shipping_incl_tax=ZERO,
            shipping_excl_tax=ZERO,
            shipping_address_id=address_id,
            shipping_method=SHIPPING_METHOD,
            shipping_code=SHIPPING_CODE,
            status=ORDER_STATUS,
            guest_email="",
            date_placed=shifted(info.date_placed, self.offset),
        )

    def line(self, order_id: int, line: retail.OrderLineInfo) -> Any:
        product_id, stockrecord_id, title = self.catalogue[line.stock_code]
        unit_price, total = line.unit_price.quantize(CENT), _line_total(line)
        return Line(
            order_id=order_id,
            partner=self.partner,
            partner_name=self.partner.name,
            partner_sku=line.stock_code,
            stockrecord_id=stockrecord_id,
            product_id=product_id,
            title=title,
            upc=line.stock_code,
            quantity=line.quantity,
            line_price_incl_tax=total,
            line_price_excl_tax=total,
            line_price_before_discounts_incl_tax=total,
            line_price_before_discounts_excl_tax=total,
            unit_price_incl_tax=unit_price,
            unit_price_excl_tax=unit_price,
            status=ORDER_STATUS,
            num_allocated=line.quantity,  # what OrderCreator records
        )

    def shipping_addresses(self, customer_ids: Iterable[int]) -> dict[int, int]:
        """One shipping address per customer (customer id -> address pk), shared by their orders.

        A customer who already has orders keeps the address of those orders, so that loading
        the rest of their history later adds no second address.
        """
        customer_ids = sorted(customer_ids)
        user_pks = [self.user_ids[cid] for cid in customer_ids]
        used = Order.objects.filter(shipping_address__isnull=False)
        by_user = _ids_by(used, "user_id", user_pks, key="shipping_address_id")
        missing = [cid for cid in customer_ids if self.user_ids[cid] not in by_user]
        addresses = []
        for cid in missing:
            address = ShippingAddress(
                last_name=f"Customer {cid}",
                line1=ADDRESS_LINE,
                country=self.countries[self.dataset.customers[cid].country_code],
            )
            address._update_search_text()  # what ShippingAddress.save() does, bulk_create not
            addresses.append(address)
        ShippingAddress.objects.bulk_create(addresses, batch_size=self.batch_size)
        found = {cid: by_user[self.user_ids[cid]] for cid in customer_ids if cid not in missing}
        return found | {cid: address.pk for cid, address in zip(missing, addresses, strict=True)}


def update_search_index(report: Progress, batch_size: int = 500, *, force: bool = True) -> int:
    """Index the browsable products in every search connection that indexes products.

    Oscar's catalogue and category pages list products from the Haystack index, and
    ``bulk_create`` sends none of the signals that keep it current. Unless ``force``d, an index
    that already holds as many products as the shop is left alone (re-runs stay fast), while a
    new or emptied one (``make clean``, another ``HAYSTACK_WHOOSH_PATH``) is filled.
    Returns how many products were indexed.
    """
    from haystack import connections  # Oscar's search dependency, imported only when needed
    from haystack.exceptions import NotHandled
    from haystack.query import SearchQuerySet

    indexed = 0
    for alias in connections.connections_info:
        try:
            index = connections[alias].get_unified_index().get_index(Product)
        except NotHandled:
            continue
        backend = connections[alias].get_backend()
        products = index.index_queryset(using=alias).order_by("pk")
        pks = list(products.values_list("pk", flat=True))
        if not force and SearchQuerySet(using=alias).models(Product).count() >= len(pks):
            continue
        # what Oscar's ProductIndex reads per product; prefetched, a third of the time
        products = products.select_related("product_class").prefetch_related("stockrecords")
        report("index", 0, len(pks))
        for done, chunk in enumerate(_chunks(pks, batch_size), start=1):
            backend.update(index, products.filter(pk__in=chunk))
            report("index", min(done * batch_size, len(pks)), len(pks))
        indexed = max(indexed, len(pks))
    return indexed


def _line_total(line: retail.OrderLineInfo) -> Decimal:
    return (line.unit_price * line.quantity).quantize(CENT)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ids_by(
    source: Any, field_name: str, values: Iterable[Any], key: str = "pk", **filters: Any
) -> dict[Any, Any]:
    """``{field value: key}`` of the rows (of a model or queryset) whose field is in ``values``.

    Set-based: one query per ``IN_CHUNK`` values, so looking up thousands of natural keys costs
    a handful of queries, not one each. The oldest row wins when a value repeats.
    """
    queryset = source._default_manager.all() if isinstance(source, type) else source
    found: dict[Any, Any] = {}
    for chunk in _chunks(sorted(set(values)), IN_CHUNK):
        rows = queryset.filter(**{f"{field_name}__in": chunk}, **filters).order_by("-pk")
        found.update(rows.values_list(field_name, key))
    return found


def _first_or_create(model: type[Model], name: str, **defaults: Any) -> Any:
    """The oldest row with this name, or a new one (``get_or_create`` fails on duplicates)."""
    obj = model.objects.filter(name=name).order_by("pk").first()
    return obj if obj is not None else model.objects.create(name=name, **defaults)


def _user_fields(username: str, email: str) -> dict[str, str]:
    return {"username": username, "email": email} if HAS_USERNAME else {"email": email}
