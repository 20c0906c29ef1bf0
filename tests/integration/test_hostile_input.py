"""Hostile input on every URL of oscar_loyalty, found by walking the URL resolver.

Each storefront and dashboard pattern is opened with ids that do not exist, are not numbers,
are too big for any integer column or belong to someone else, by an anonymous visitor, two
shoppers, a customer without loyalty data and staff, with GET and with POSTs whose every form
field (read from the pages that post there) is blank, negative, huge, not a number, markup,
right-to-left text, a NUL byte or a list. The promise checked: never a server error; the
dashboard refuses non-staff; a shopper never sees another shopper's email, ledger, voucher or
referral code; no bad POST changes a row and the ledger still balances.
"""

import json
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from oscar_loyalty.verification import find_discrepancies
from tests.hostile import (
    DASHBOARD,
    STOREFRONT,
    Shop,
    accepts_post,
    build_shop,
    discover_fields,
    every_real_kwargs,
    loyalty_routes,
    real_kwargs,
    row_counts,
)

pytestmark = pytest.mark.django_db

RTL = "\u202eتقرير\u05e9\u05dc\u05d5\u05dd"
HOSTILE_VALUES = ["", "-1", "1e309", "NaN", "9" * 40, "<script>alert(1)</script>", RTL, "\x00"]
LIST_VALUE = ["1", "2"]
HOSTILE_PAYLOADS = [*HOSTILE_VALUES, LIST_VALUE]
JUNK_IDS = [0, -1, 2**63, 99_999_999, "abc", "../"]
QUERY_PARAMETERS = [
    "page",
    "sort",
    "per_page",
    "q",
    "status",
    "months",
    "period",
    "customer",
    "product",
    "initial",
    "page_limit",
    "ref",
]
ROUTES = loyalty_routes()
DASHBOARD_ROUTES = [r for r in ROUTES if r.namespace == DASHBOARD]
STOREFRONT_ROUTES = [r for r in ROUTES if r.namespace == STOREFRONT]
GET_ROUTES = [r for r in ROUTES if r.view_class is not None and hasattr(r.view_class, "get")]


@pytest.fixture(scope="module")
def shop(django_db_setup, django_db_blocker):
    """One populated shop for the whole module, rolled back at its end (each test still runs
    in its own savepoint, so nothing a test does reaches the next)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_shop()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def fields(shop: Shop) -> dict[str, set[str]]:
    return discover_fields(shop, ROUTES)


class Sweep:
    """Sends the requests of one test and collects every broken promise, so a failure lists
    them all at once."""

    def __init__(self, shop: Shop, role: str):
        self.role = role
        self.client = Client(raise_request_exception=False)
        user = {
            "anonymous": None,
            "customer": shop.customer,
            "staff": shop.staff,
            **{name: shopper.user for name, shopper in shop.shoppers.items()},
        }[role]
        if user is not None:
            self.client.force_login(user)
        self.secrets = [
            secret
            for name, shopper in shop.shoppers.items()
            if name != role
            for secret in shopper.secrets
        ]
        self.problems: list[str] = []
        self.before = row_counts()

    def request(self, method: str, url: str, data=None, *, check_secrets=True, follow=True):
        """Send one request (following redirects to the page the visitor ends up on)."""
        response = getattr(self.client, method)(url, data or {}, follow=follow)
        where = f"{method.upper()} {url} {data or ''} as {self.role}"
        if response.status_code >= 500:
            error = response.exc_info[1] if response.exc_info else ""
            self.problems.append(f"{where}: {response.status_code} {error!r}")
        if check_secrets:
            body = b"".join(response) if response.streaming else response.content
            page = body.decode(errors="replace")
            leaked = [secret for secret in self.secrets if secret in page]
            if leaked:
                self.problems.append(f"{where}: shows {leaked}")
        return response

    def check(self) -> None:
        after = row_counts()
        changed = {k: (self.before[k], after[k]) for k in after if after[k] != self.before[k]}
        if changed:
            self.problems.append(f"rows changed: {changed}")
        self.problems.extend(f"ledger: {problem}" for problem in find_discrepancies())
        assert not self.problems, "\n".join(self.problems)


def hostile_posts(field_names: set[str]) -> list[dict]:
    """One POST per hostile value, every field given that value."""
    names = sorted(field_names) or ["value"]
    return [dict.fromkeys(names, payload) for payload in HOSTILE_PAYLOADS]


def junk_urls(route, shop: Shop, extra_ids: list) -> list[str]:
    real = real_kwargs(shop, route)
    urls = []
    for value in [*JUNK_IDS, *extra_ids]:
        for name in real:
            urls.append(route.url(**{**real, name: value}))
    return urls


def test_the_sweep_covers_both_namespaces_and_every_form(fields):
    assert len(STOREFRONT_ROUTES) >= 8 and len(DASHBOARD_ROUTES) >= 40
    unseen = {route.id for route in ROUTES if accepts_post(route) and route.id not in fields}
    assert not unseen, f"no rendered form posts to {unseen}: the sweep would guess its fields"


def refused(response, role: str) -> bool:
    """The dashboard's answer to non-staff: sign in first, or 403 when signed in."""
    if role == "anonymous":
        return response.status_code == 302 and response.url.startswith(reverse("dashboard:login"))
    return response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "ada", "customer"])
@pytest.mark.parametrize("route", DASHBOARD_ROUTES, ids=lambda r: r.id)
def test_dashboard_refuses_everyone_but_staff(shop, fields, route, role):
    sweep = Sweep(shop, role)
    post = hostile_posts(fields.get(route.id, set()))[1]
    for kwargs in every_real_kwargs(shop, route):
        url = route.url(**kwargs)
        assert refused(sweep.request("get", url, follow=False), role), url
        assert refused(sweep.request("post", url, post, follow=False), role), url
    for junk in junk_urls(route, shop, []):
        response = sweep.request("get", junk, follow=False)
        assert refused(response, role) or response.status_code == 404, junk
    sweep.check()


@pytest.mark.parametrize("route", DASHBOARD_ROUTES, ids=lambda r: r.id)
def test_staff_pages_survive_hostile_ids_and_form_data(shop, fields, route):
    sweep = Sweep(shop, "staff")
    posts = hostile_posts(fields.get(route.id, set()))
    for kwargs in every_real_kwargs(shop, route):
        url = route.url(**kwargs)
        sweep.request("get", url, check_secrets=False)
        if accepts_post(route):
            for data in posts:
                sweep.request("post", url, data, check_secrets=False)
    for junk in junk_urls(route, shop, []):
        sweep.request("get", junk, check_secrets=False)
        sweep.request("post", junk, posts[1], check_secrets=False)
    sweep.check()


@pytest.mark.parametrize("role", ["anonymous", "ada", "bob", "customer", "staff"])
@pytest.mark.parametrize("route", STOREFRONT_ROUTES, ids=lambda r: r.id)
def test_storefront_survives_hostile_input_and_shows_only_your_own_data(shop, fields, route, role):
    sweep = Sweep(shop, role)
    url = route.url(**real_kwargs(shop, route))
    sweep.request("get", url)
    for data in hostile_posts(fields.get(route.id, set())):
        sweep.request("post", url, data)
    others = [shopper.redemption_id for shopper in shop.shoppers.values()]
    others += [shop.ids["exclusive_reward"], shop.ids["spend_rule"]]
    for junk in junk_urls(route, shop, others):
        sweep.request("get", junk)
        sweep.request("post", junk, hostile_posts(fields.get(route.id, set()))[0])
    sweep.check()


@pytest.mark.parametrize("value", [*HOSTILE_VALUES, "-" + "9" * 30, "0"])
def test_querystrings_on_every_page(shop, value):
    """?page=-1, ?page=abc, ?months=NaN, ?customer=<huge>, ?ref=<script> and friends, all at
    once on every page (staff on the dashboard, a shopper on the storefront)."""
    staff, ada = Sweep(shop, "staff"), Sweep(shop, "ada")
    query = urlencode(dict.fromkeys(QUERY_PARAMETERS, value))
    for route in GET_ROUTES:
        sweep = staff if route.namespace == DASHBOARD else ada
        url = f"{route.url(**real_kwargs(shop, route))}?{query}"
        response = sweep.request("get", url, check_secrets=sweep is ada)
        if route.name == "loyalty-product-lookup" and response.status_code == 200:
            assert "results" in json.loads(response.content), url
    staff.check()
    ada.check()


@pytest.mark.parametrize("role", ["anonymous", "ada"])
def test_referral_links_with_hostile_codes_on_any_storefront_page(shop, role):
    sweep = Sweep(shop, role)
    pages = ["/", "/basket/", "/catalogue/", "/accounts/login/", "/loyalty/account/"]
    for page in pages:
        for value in [*HOSTILE_VALUES, "A" * 5000]:
            response = sweep.request("get", f"{page}?{urlencode({'ref': value})}")
            assert "That is not a referral code" in response.content.decode(), (page, value)
        sweep.request("get", f"{page}?ref=ABC&ref=../&ref=")
    sweep.check()


@pytest.mark.parametrize(
    "cookie",
    ["loyalty_ref", "sessionid", "csrftoken", "oscar_open_basket", "oscar_history"],
)
def test_hostile_cookies_are_ignored(shop, cookie):
    sweep = Sweep(shop, "anonymous")
    product_id = shop.ids["product"]
    # Raw UTF-8 bytes, as WSGI hands a cookie header over (decoded as Latin-1).
    utf8 = RTL.encode().decode("latin-1")
    for value in ["x" * 8000, "1:abc:def", '{"code": ["x"]}', utf8, "-1", "9" * 40]:
        sweep.client.cookies[cookie] = value
        sweep.request("get", "/")
        sweep.request("get", "/basket/")
        sweep.request("post", f"/basket/add/{product_id}/", {"quantity": "1"})
        sweep.request("post", "/loyalty/referral/code/", {"code": "ABCDEFGH"})
    sweep.check()
