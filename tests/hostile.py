"""What the hostile-input sweep needs: every URL pattern of oscar_loyalty read from the URL
resolver, a shop where two shoppers each own data the other must never see, and the form fields
each URL accepts, found by reading the pages that post to it."""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

from django.apps import apps
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone
from oscar.core.loading import get_model
from oscar.test.factories import UserFactory

from oscar_loyalty import actions, ledger, rewards, tiers
from oscar_loyalty.models import (
    AmountOffReward,
    CustomerProfile,
    Referral,
    SignupRule,
    SocialFollowRule,
    Tier,
)
from oscar_loyalty.referrals.codes import code_for_user
from tests.factories import (
    create_buyable_product,
    create_redemption_settings,
    create_spend_rule,
    open_basket,
)
from tests.offers import spend_brackets
from tests.referrals import enable_referrals

Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
Voucher = get_model("voucher", "Voucher")

STOREFRONT, DASHBOARD = "oscar_loyalty", "oscar_loyalty_dashboard"
CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern of ours: ``/dashboard/loyalty/accounts/<int:pk>/`` and its view."""

    namespace: str
    name: str
    path: str
    view_class: type | None

    @property
    def kwargs(self) -> list[tuple[str, str]]:
        """(converter, name) of each URL argument."""
        return [(m["converter"] or "str", m["name"]) for m in CONVERTER.finditer(self.path)]

    def url(self, **values) -> str:
        """The address with each argument replaced by ``values`` (anything, even '../')."""
        return CONVERTER.sub(lambda m: str(values[m["name"]]), self.path)

    @property
    def id(self) -> str:
        return f"{self.name}:{self.path}"


def loyalty_routes() -> list[Route]:
    """Every pattern below our two namespaces, read from the project's URL resolver (so a URL
    added later is swept without touching the test)."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in (STOREFRONT, DASHBOARD):
                view_class = getattr(entry.callback, "view_class", None)
                found.append(Route(namespace, entry.name, "/" + route, view_class))

    walk(get_resolver().url_patterns, "", None)
    return found


def accepts_post(route: Route) -> bool:
    return route.view_class is not None and hasattr(route.view_class, "post")


# --- the shop ---------------------------------------------------------------------------------


@dataclass
class Shopper:
    """A customer with data of their own, and the strings that must never reach anyone else."""

    user: Model
    redemption_id: int
    secrets: list[str] = field(default_factory=list)


@dataclass
class Shop:
    shoppers: dict[str, Shopper]
    customer: Model  # signed in, not staff, no loyalty data
    staff: Model
    ids: dict[str, int]  # a real id for each URL argument, by "<url name>.<argument>"


def _shopper(name: str, staff, exclusive_tier: Tier, reward, signup_rule) -> Shopper:
    user = UserFactory(email=f"{name}@hostile.example.com", first_name=name.title())
    account = ledger.account_for_user(user)
    CustomerProfile.objects.create(account=account)
    marker = f"LEDGER-SECRET-{name.upper()}"
    ledger.earn(account, 5000, key=f"earn:{name}", description=marker)
    actions.award_action(account, SignupRule, reference="signup", rules=[signup_rule])
    redeemed = rewards.redeem_reward(account, reward, key=f"reward:{name}")
    tiers.pin_customer(
        account,
        exclusive_tier,
        reason=f"PIN-SECRET-{name.upper()}",
        ends_at=timezone.now() + timedelta(days=30),
        staff_user=staff,
    )
    friend = UserFactory(email=f"friend-of-{name}@hostile.example.com")
    Referral.objects.create(referrer=user, friend=friend, friend_email=friend.email)
    open_basket(user, [("40.00", 1)])
    secrets = [user.email, marker, code_for_user(user), redeemed.voucher.code, friend.email]
    return Shopper(user=user, redemption_id=redeemed.pk, secrets=secrets)


def build_shop() -> Shop:
    """Two shoppers (ada, bob) with points, a redeemed reward, a tier pin, a referral and a
    basket each; every object a delete page can reach is in use, so no POST may remove it."""
    staff = UserFactory(email="staff@hostile.example.com", is_staff=True, is_superuser=True)
    customer = UserFactory(email="customer@hostile.example.com")
    enable_referrals()
    redemption_settings = create_redemption_settings()
    spend_rule = create_spend_rule("1")
    signup_rule = SignupRule.objects.create(name="Welcome", points=10)
    follow = SocialFollowRule.objects.create(
        name="Follow", points=5, network="insta", follow_url="https://example.com/us"
    )
    reward = AmountOffReward.objects.create(
        name="£5 off", points_cost=100, amount=Decimal("5.00"), currency="GBP"
    )
    gold = Tier.objects.create(name="Gold", position=1, threshold=Decimal("100"))
    exclusive = AmountOffReward.objects.create(
        name="Gold only", points_cost=100, amount=Decimal("9.00"), currency="GBP"
    )
    gold.exclusive_rewards.add(exclusive)
    shoppers = {name: _shopper(name, staff, gold, reward, signup_rule) for name in ("ada", "bob")}
    # What a first visit or a first click creates is there already, so any row a request
    # adds is one it should not have.
    for user in [customer, staff, *(shopper.user for shopper in shoppers.values())]:
        account = ledger.account_for_user(user)
        CustomerProfile.objects.get_or_create(account=account)
        code_for_user(user)
        actions.award_action(account, SocialFollowRule, reference="social:insta", rules=[follow])
    brackets = spend_brackets(("100.00", "percentage", "5"))
    account = ledger.account_for_user(shoppers["bob"].user)
    referral = Referral.objects.filter(referrer=shoppers["bob"].user).get()
    ids = {
        "reward-redeem.reward_id": reward.pk,
        "social-follow.rule_id": follow.pk,
        "loyalty-rule-update.pk": signup_rule.pk,
        "loyalty-rule-delete.pk": signup_rule.pk,
        "loyalty-reward-update.pk": reward.pk,
        "loyalty-reward-delete.pk": reward.pk,
        "loyalty-reward-redemptions.pk": reward.pk,
        "loyalty-redemption-update.pk": redemption_settings.pk,
        "loyalty-brackets-update.pk": brackets.pk,
        "loyalty-referral-detail.pk": referral.pk,
        "loyalty-referral-review.pk": referral.pk,
        "loyalty-tier-update.pk": gold.pk,
        "loyalty-tier-delete.pk": gold.pk,
        "loyalty-tier-members.pk": gold.pk,
        "exclusive_reward": exclusive.pk,
        "spend_rule": spend_rule.pk,
        "product": create_buyable_product("Hostile sweep product", "12.00").pk,
    }
    for name in ("detail", "adjust", "ledger-csv", "tier", "pin"):
        ids[f"loyalty-account-{name}.pk"] = account.pk
    return Shop(shoppers=shoppers, customer=customer, staff=staff, ids=ids)


def row_counts() -> dict[str, int]:
    """Rows in each of our models, and in the Oscar offer tables our dashboard writes to."""
    models = [*apps.get_app_config("oscar_loyalty").get_models(), Benefit, Condition, Voucher]
    return {model._meta.label: model._default_manager.count() for model in models}


# --- form fields, read from the rendered pages --------------------------------------------------


class FormFields(HTMLParser):
    """The names of the fields (buttons included) of each POST <form> on a page, by the
    form's action."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, set[str]] = {}
        self.current: set[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                action = (attrs.get("action") or self.page_path).split("?")[0]
                self.current = self.forms.setdefault(action, set())
            else:
                self.current = None
        elif self.current is not None and tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self.current.add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def discover_fields(shop: Shop, routes: list[Route]) -> dict[str, set[str]]:
    """Field names per route id: from every form that posts to it on the pages staff (the
    dashboard) and a shopper (Rewards page, basket) see, plus the view's ``form_class``.
    A route no rendered form posts to is missing (a form of buttons only maps to no names)."""
    fields: dict[str, set[str]] = {}
    by_key = {(r.namespace, r.name, r.path): r.id for r in routes}
    staff, shopper = Client(), Client()
    staff.force_login(shop.staff)
    shopper.force_login(shop.shoppers["ada"].user)
    pages = [(shopper, "/loyalty/account/"), (shopper, "/basket/")]
    for route in routes:
        if route.namespace == DASHBOARD:
            pages += [(staff, route.url(**kwargs)) for kwargs in every_real_kwargs(shop, route)]
    for client, path in pages:
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = FormFields(path)
        parser.feed(response.content.decode())
        for action, names in parser.forms.items():
            try:
                match = resolve(action)
            except Resolver404:
                continue
            key = (match.namespace, match.url_name, "/" + _route_of(match))
            if key in by_key:
                fields.setdefault(by_key[key], set()).update(names)
    for route in routes:
        form_class = getattr(route.view_class, "form_class", None)
        if form_class is not None and hasattr(form_class, "base_fields"):
            fields.setdefault(route.id, set()).update(form_class.base_fields)
    return fields


def _route_of(match) -> str:
    return match.route.replace("^", "")


def real_kwargs(shop: Shop, route: Route) -> dict:
    """A real value for each URL argument: the object the page is about."""
    return every_real_kwargs(shop, route)[0]


def every_real_kwargs(shop: Shop, route: Route) -> list[dict]:
    """Real values for the URL arguments: one set, or one per type on a typed create page
    (each type has its own form) and for both kinds of earning rule on the rule edit page."""
    values = {}
    for converter, name in route.kwargs:
        if route.name == "reward-apply":
            values[name] = shop.shoppers["ada"].redemption_id
        elif converter == "slug":
            types = route.view_class.type_form_class.types()
            return [{name: slug} for slug in types]
        else:
            values[name] = shop.ids[f"{route.name}.{name}"]
    if route.name == "loyalty-rule-update":
        return [values, {"pk": shop.ids["spend_rule"]}]
    return [values]
