"""Write the cleaned Online Retail data into Oscar: catalogue, customers and historic orders.

Historic orders are written directly with ``bulk_create`` instead of going through Oscar's
``OrderCreator``: they were placed and paid a decade ago, so no basket, stock allocation, offer,
e-mail or ``order_placed`` signal must run (points are awarded later by a backfill command), and
one ``INSERT`` per batch instead of dozens of queries per line is what makes the full history load
in seconds. Everything is looked up by a natural key first (UPC, e-mail, order number, category
name), so running the loader again, or with a bigger sample, creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sites.models import Site
from django.db import connection, transaction
from django.db.models import Model
from django.utils.text import slugify
from oscar.checks import use_productcategory_materialised_view
from oscar.core.loading import get_class, get_model

from .online_retail import (
    COUNTRIES,
    FALLBACK_COUNTRY,
    OTHER_CATEGORY,
    Dataset,
    OrderInfo,
    OrderLineInfo,
    pick_shopper,
)

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
create_from_breadcrumbs = get_class("catalogue.categories", "create_from_breadcrumbs")
User = get_user_model()

PARTNER_NAME = "Online Retail Ltd"
PRODUCT_CLASS_NAME = "Gift"
CURRENCY = "GBP"  # the dataset's prices are pounds sterling whatever the shop's default
STOCK_LEVEL = 1000  # plenty, so every demo product can be bought in the sandbox
ORDER_STATUS = "Complete"  # delivered a decade ago
SHIPPING_METHOD, SHIPPING_CODE = "Free shipping", "free-shipping"  # Oscar's Free method
ADDRESS_LINE = "Address not recorded"  # the dataset only says which country
CUSTOMER_PASSWORD = "demo-password"
CUSTOMER_EMAIL = "customer{id}@demo.example.com"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
IN_CHUNK = 500  # values per ``__in`` lookup: far below every database's parameter limit
REFRESH_HIERARCHY = "REFRESH MATERIALIZED VIEW CONCURRENTLY catalogue_product_category_hierarchy"

#: ``progress(stage, done, total)``; stages: "catalogue", "customers", "orders" (in lines).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoAccount:
    """A sign-in the command prints, so whoever runs the sandbox can log straight in."""

    username: str
    email: str
    password: str
    staff: bool = False


ADMIN = DemoAccount("admin", "admin@example.com", "admin", staff=True)
SHOPPER = DemoAccount("shopper", "shopper@example.com", "shopper")


@dataclass
class Count:
    total: int = 0
    created: int = 0


@dataclass
class LoadStats:
    """What the demo shop now holds of the dataset (``total``) and what this run added."""

    products: Count = field(default_factory=Count)
    categories: Count = field(default_factory=Count)
    customers: Count = field(default_factory=Count)
    orders: Count = field(default_factory=Count)
    lines: Count = field(default_factory=Count)
    shopper_customer_id: int | None = None
    shopper_order_count: int = 0


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    product_id: int
    stockrecord_id: int
    title: str


def customer_email(customer_id: int) -> str:
    return CUSTOMER_EMAIL.format(id=customer_id)


def load_demo_data(
    dataset: Dataset,
    customer_ids: Sequence[int],
    *,
    progress: Progress | None = None,
    batch_size: int = 500,
) -> LoadStats:
    """Load the whole catalogue plus the given customers with all their orders, atomically.

    One transaction: a failure leaves nothing half-loaded (so a re-run never meets a customer
    with only part of their history), and SQLite writes one journal instead of thousands.
    """
    report = progress or (lambda stage, done, total: None)
    stats = LoadStats()
    with transaction.atomic():
        report("catalogue", 0, len(dataset.products))
        partner, catalogue = load_catalogue(dataset, stats, batch_size)
        countries = ensure_countries(dataset.customers[cid].country_code for cid in customer_ids)
        report("catalogue", len(dataset.products), len(dataset.products))

        report("customers", 0, len(customer_ids))
        ensure_account(ADMIN)
        shopper, shopper_created = ensure_account(SHOPPER)
        shopper_id = resolve_shopper_customer(dataset, customer_ids, shopper)
        stats.shopper_customer_id = shopper_id
        if shopper_id is not None:
            stats.shopper_order_count = dataset.customers[shopper_id].order_count
            if shopper_created:
                shopper.date_joined = dataset.customers[shopper_id].first_order
                shopper.save(update_fields=["date_joined"])
        user_ids = load_customers(dataset, customer_ids, shopper_id, shopper.pk, stats, batch_size)
        report("customers", len(customer_ids), len(customer_ids))

        orders = Replay(dataset, user_ids, partner, catalogue, countries, batch_size)
        orders.run(customer_ids, stats, report)
    return stats


def ensure_countries(codes: Iterable[str]) -> dict[str, Any]:
    """The ``address.Country`` rows of these ISO codes, created and made shipping countries."""
    codes = sorted(set(codes) | {FALLBACK_COUNTRY})
    existing = set(Country.objects.filter(pk__in=codes).values_list("pk", flat=True))
    Country.objects.bulk_create(
        Country(
            iso_3166_1_a2=code,
            iso_3166_1_a3=COUNTRIES[code][0],
            iso_3166_1_numeric=COUNTRIES[code][1],
            printable_name=COUNTRIES[code][2],
            name=COUNTRIES[code][2],
            is_shipping_country=True,
        )
        for code in codes
        if code not in existing
    )
    Country.objects.filter(pk__in=codes, is_shipping_country=False).update(is_shipping_country=True)
    return Country.objects.in_bulk(codes)


def ensure_categories(names: Iterable[str]) -> tuple[dict[str, int], int]:
    """Top-level categories by name (alphabetical, "Other" last) and how many were created.

    Treebeard assigns tree paths one node at a time, so categories are created one by one with
    Oscar's own helper: there are only a dozen or so.
    """
    wanted = sorted(set(names), key=lambda name: (name == OTHER_CATEGORY, name))
    ids: dict[str, int] = {}
    for name, pk in (
        Category.objects.filter(depth=1, name__in=wanted).order_by("path").values_list("name", "pk")
    ):
        ids.setdefault(name, pk)
    created = 0
    for name in wanted:
        if name not in ids:
            ids[name] = create_from_breadcrumbs(name).pk
            created += 1
    return ids, created


def load_catalogue(
    dataset: Dataset, stats: LoadStats, batch_size: int
) -> tuple[Any, dict[str, CatalogueItem]]:
    """One product per stock code with a stock record and exactly one category.

    Returns the partner and, per stock code, what an order line needs to point at.
    """
    product_class = _first_or_create(
        ProductClass, name=PRODUCT_CLASS_NAME, requires_shipping=True, track_stock=True
    )
    partner = _first_or_create(Partner, name=PARTNER_NAME)
    category_ids, stats.categories.created = ensure_categories(
        info.category for info in dataset.products.values()
    )
    stats.categories.total = len(category_ids)

    codes = sorted(dataset.products)
    product_ids = _ids_by(Product, "upc", codes)
    new_products = [
        Product(
            upc=code,
            title=dataset.products[code].title,
            slug=slugify(dataset.products[code].title)[:255] or slugify(code),
            product_class=product_class,
            structure=Product.STANDALONE,
            is_public=True,
        )
        for code in codes
        if code not in product_ids
    ]
    Product.objects.bulk_create(new_products, batch_size=batch_size)
    if new_products:
        product_ids = _ids_by(Product, "upc", codes)
    stats.products = Count(total=len(codes), created=len(new_products))

    stockrecord_ids = _ids_by(
        StockRecord, "product_id", product_ids.values(), key="pk", partner=partner
    )
    StockRecord.objects.bulk_create(
        (
            StockRecord(
                product_id=product_ids[code],
                partner=partner,
                partner_sku=code,
                price_currency=CURRENCY,
                price=dataset.products[code].price.quantize(CENT),
                num_in_stock=STOCK_LEVEL,
            )
            for code in codes
            if product_ids[code] not in stockrecord_ids
        ),
        batch_size=batch_size,
    )
    stockrecord_ids = _ids_by(
        StockRecord, "product_id", product_ids.values(), key="pk", partner=partner
    )

    categorised = _ids_by(ProductCategory, "product_id", product_ids.values(), key="pk")
    new_links = [
        ProductCategory(
            product_id=product_ids[code], category_id=category_ids[dataset.products[code].category]
        )
        for code in codes
        if product_ids[code] not in categorised
    ]
    ProductCategory.objects.bulk_create(new_links, batch_size=batch_size)
    if new_links and use_productcategory_materialised_view():
        # bulk_create sends no post_save, so refresh what Oscar's receiver would have refreshed
        with connection.cursor() as cursor:
            cursor.execute(REFRESH_HIERARCHY)

    return partner, {
        code: CatalogueItem(
            product_ids[code], stockrecord_ids[product_ids[code]], dataset.products[code].title
        )
        for code in codes
    }


def ensure_account(account: DemoAccount) -> tuple[Any, bool]:
    """The demo account by e-mail (or username), created if missing.

    An existing account keeps its password: the command never resets a password someone chose.
    """
    user = User.objects.filter(email__iexact=account.email).order_by("pk").first()
    if user is None and _has_username():
        user = User.objects.filter(username=account.username).first()
    if user is None:
        user = User(**_user_fields(account.username, account.email))
        user.set_password(account.password)
        user.is_staff = user.is_superuser = account.staff
        if not account.staff:
            user.first_name, user.last_name = "Demo", "Shopper"
        user.save()
        return user, True
    if account.staff and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user, False


def resolve_shopper_customer(
    dataset: Dataset, customer_ids: Sequence[int], shopper: Any
) -> int | None:
    """The customer whose history the demo shopper owns.

    Once the shopper owns orders, it stays that customer whatever the sample of a later run (a
    bigger sample must not turn it into someone else); otherwise it is the sampled customer with
    the most orders.
    """
    numbers = Order.objects.filter(user=shopper).order_by("pk").values_list("number", flat=True)
    for number in numbers.iterator():
        if number in dataset.orders:
            return dataset.orders[number].customer_id
    return pick_shopper(dataset, customer_ids)


def load_customers(
    dataset: Dataset,
    customer_ids: Sequence[int],
    shopper_customer_id: int | None,
    shopper_user_id: int,
    stats: LoadStats,
    batch_size: int,
) -> dict[int, int]:
    """A user per customer id (customer id -> user pk), created in bulk with one shared hash.

    Hashing ``demo-password`` once instead of per user saves minutes: a password hash is slow
    by design.
    """
    emails = {cid: customer_email(cid) for cid in customer_ids if cid != shopper_customer_id}
    existing = _ids_by(User, "email", emails.values())
    password = make_password(CUSTOMER_PASSWORD)
    new_users = [
        User(
            **_user_fields(f"customer{cid}", email),
            password=password,
            date_joined=dataset.customers[cid].first_order,
        )
        for cid, email in emails.items()
        if email not in existing
    ]
    User.objects.bulk_create(new_users, batch_size=batch_size)
    by_email = _ids_by(User, "email", emails.values()) if new_users else existing
    user_ids = {cid: by_email[email] for cid, email in emails.items()}
    if shopper_customer_id in set(customer_ids):
        user_ids[shopper_customer_id] = shopper_user_id
    stats.customers = Count(total=len(user_ids), created=len(new_users))
    return user_ids


@dataclass
class Replay:
    """Replays customers' invoices as complete Oscar orders on their original dates.

    Prices are taken as tax-inclusive with zero tax (the data has no tax split), totals are the
    sum of the lines and shipping is free. Order numbers are the invoice numbers, so numbers that
    already exist are skipped.
    """

    dataset: Dataset
    user_ids: dict[int, int]
    partner: Any
    catalogue: dict[str, CatalogueItem]
    countries: dict[str, Any]
    batch_size: int = 500

    def run(self, customer_ids: Sequence[int], stats: LoadStats, report: Progress) -> None:
        orders = self.dataset.orders_of(customer_ids)
        existing = _ids_by(Order, "number", (order.number for order in orders))
        todo = [order for order in orders if order.number not in existing]
        stats.orders = Count(total=len(orders), created=len(todo))
        stats.lines = Count(
            total=sum(len(order.lines) for order in orders),
            created=sum(len(order.lines) for order in todo),
        )
        report("orders", 0, stats.lines.created)
        if not todo:
            return
        try:
            site = Site.objects.get_current()
        except Site.DoesNotExist:
            site = None
        address_ids = self.shipping_addresses({order.customer_id for order in todo})
        done = 0
        for batch in _chunks(todo, self.batch_size):
            orders = [self.order(info, site, address_ids[info.customer_id]) for info in batch]
            _bulk_create_with_pks(Order, orders, self.batch_size)
            lines = [
                self.line(order, line)
                for info, order in zip(batch, orders, strict=True)
                for line in info.lines
            ]
            Line.objects.bulk_create(lines, batch_size=self.batch_size)
            done += len(lines)
            report("orders", done, stats.lines.created)

    def order(self, info: OrderInfo, site: Site | None, address_id: int) -> Any:
        total = sum((_line_total(line.quantity, line.unit_price) for line in info.lines), ZERO)
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
            date_placed=info.date_placed,
        )

    def line(self, order: Any, line: OrderLineInfo) -> Any:
        item = self.catalogue[line.stock_code]
        unit_price = line.unit_price.quantize(CENT)
        line_total = _line_total(line.quantity, line.unit_price)
        return Line(
            order_id=order.pk,
            partner=self.partner,
            partner_name=self.partner.name,
            partner_sku=line.stock_code,
            stockrecord_id=item.stockrecord_id,
            product_id=item.product_id,
            title=item.title,
            upc=line.stock_code,
            quantity=line.quantity,
            line_price_incl_tax=line_total,
            line_price_excl_tax=line_total,
            line_price_before_discounts_incl_tax=line_total,
            line_price_before_discounts_excl_tax=line_total,
            unit_price_incl_tax=unit_price,
            unit_price_excl_tax=unit_price,
            status=ORDER_STATUS,
            num_allocated=line.quantity,  # what OrderCreator records
        )

    def shipping_addresses(self, customer_ids: Iterable[int]) -> dict[int, int]:
        """One shipping address per customer (customer id -> address pk), shared by their orders.

        A customer who already has orders keeps the address of those orders, so that loading
        the rest of their history later does not add a second address.
        """
        customer_ids = sorted(customer_ids)
        by_user: dict[int, int] = {}
        for chunk in _chunks([self.user_ids[cid] for cid in customer_ids], IN_CHUNK):
            rows = (
                Order.objects.filter(user_id__in=chunk, shipping_address__isnull=False)
                .order_by("pk")
                .values_list("user_id", "shipping_address_id")
            )
            for user_id, address_id in rows:
                by_user.setdefault(user_id, address_id)
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
        _bulk_create_with_pks(ShippingAddress, addresses, self.batch_size)
        by_customer = {
            cid: by_user[self.user_ids[cid]] for cid in customer_ids if cid not in missing
        }
        by_customer.update(
            (cid, address.pk) for cid, address in zip(missing, addresses, strict=True)
        )
        return by_customer


def _line_total(quantity: int, unit_price: Decimal) -> Decimal:
    return (unit_price * quantity).quantize(CENT)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _ids_by(
    model: type[Model], field_name: str, values: Iterable[Any], key: str = "pk", **filters: Any
) -> dict[Any, Any]:
    """``{value of field_name: key}`` for the rows whose ``field_name`` is in ``values``.

    Set-based (one query per ``IN_CHUNK`` values) so that looking up thousands of natural keys
    costs a handful of queries, not one each.
    """
    found: dict[Any, Any] = {}
    for chunk in _chunks(sorted(set(values)), IN_CHUNK):
        rows = (
            model.objects.filter(**{f"{field_name}__in": chunk}, **filters)
            .order_by("pk")
            .values_list(field_name, key)
        )
        for value, pk in rows:
            found.setdefault(value, pk)
    return found


def _bulk_create_with_pks(model: type[Model], objects: list[Model], batch_size: int) -> None:
    """``bulk_create`` that leaves primary keys on the objects on every database.

    PostgreSQL and SQLite >= 3.35 return them from the ``INSERT``; elsewhere (MySQL) rows are
    saved one by one, slower but correct.
    """
    if connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(objects, batch_size=batch_size)
    else:
        for obj in objects:
            obj.save()


def _first_or_create(model: type[Model], name: str, **defaults: Any) -> Any:
    """The oldest row with this name, or a new one (``get_or_create`` fails on duplicates)."""
    obj = model.objects.filter(name=name).order_by("pk").first()
    return obj if obj is not None else model.objects.create(name=name, **defaults)


def _has_username() -> bool:
    return any(f.name == "username" for f in User._meta.get_fields())


def _user_fields(username: str, email: str) -> dict[str, str]:
    """Username and e-mail for the user model in use (a custom one may have no username)."""
    return {"username": username, "email": email} if _has_username() else {"email": email}
