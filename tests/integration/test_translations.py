"""The Dutch and Arabic catalogues: the Rewards page in each language (its points history
included), and Arabic plural forms."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import now
from django.utils.translation import gettext, ngettext
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger, tiers
from oscar_loyalty.models import AmountOffReward, Tier, TierActivity
from tests.factories import create_buyable_product, create_spend_rule, dashboard_url, place_order
from tests.integration.test_dashboard_rewards import AMOUNT, reward_data

pytestmark = pytest.mark.django_db

# (language, page heading, "Points to spend" card), spelled out so that a missing or uncompiled
# catalogue fails the test instead of comparing English with English.
EXPECTED = [
    ("nl", "Beloningen", "Te besteden punten"),
    ("ar", "المكافآت", "النقاط المتاحة للاستخدام"),
]


@pytest.fixture(autouse=True)
def restore_language():
    """LocaleMiddleware activates the request's language in this thread: put it back after."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def shopper(client):
    user = UserFactory()
    client.force_login(user)
    ledger.earn(ledger.account_for_user(user), 120, key="t")
    return user


def rewards_page(client, language):
    response = client.get(reverse("oscar_loyalty:account"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("language", "heading", "card"), EXPECTED)
def test_rewards_page_is_translated(client, shopper, language, heading, card):
    response = rewards_page(client, language)
    page = response.content.decode()
    with translation.override(language):
        assert gettext("Rewards") == heading
        assert gettext("Points to spend") == card
    assert response.context["LANGUAGE_CODE"] == language
    assert f'<html lang="{language}"' in page
    assert f"<h1>{heading}</h1>" in page
    assert f'<h2 class="h6 text-muted">{card}</h2>' in page
    assert 'data-loyalty="available">120<' in page
    # The English originals are gone from the translated page.
    assert "Points to spend" not in page


def test_arabic_page_is_right_to_left(client, shopper):
    response = rewards_page(client, "ar")
    assert response.context["LANGUAGE_BIDI"] is True
    html_tag = re.search(r"<html[^>]*>", response.content.decode()).group(0)
    assert 'dir="rtl"' in html_tag
    assert 'lang="ar"' in html_tag


def test_english_page_stays_left_to_right(client, shopper):
    response = rewards_page(client, "en-gb")
    assert response.context["LANGUAGE_BIDI"] is False
    assert 'dir="ltr"' in re.search(r"<html[^>]*>", response.content.decode()).group(0)
    assert "<h1>Rewards</h1>" in response.content.decode()


def points(n, language):
    with translation.override(language):
        return ngettext("%(points)s point", "%(points)s points", n) % {"points": n}


def test_arabic_plural_forms_differ_for_one_two_and_eleven():
    one, two, eleven = (points(n, "ar") for n in (1, 2, 11))
    assert len({one, two, eleven}) == 3
    assert one == "نقطة واحدة"
    assert two == "نقطتان"
    assert eleven == "11 نقطة"
    assert points(3, "ar") == "3 نقاط"
    assert points(100, "ar") == "100 نقطة"


def test_dutch_plural_forms():
    assert points(1, "nl") == "1 punt"
    assert points(2, "nl") == "2 punten"


@pytest.mark.parametrize("language", ["nl", "ar"])
@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("%d reward", "%d rewards"),
        ("%d redemption", "%d redemptions"),
        ("%d currency", "%d currencies"),
        ("%d earning rule", "%d earning rules"),
        ("%d account", "%d accounts"),
        ("%d ledger entry", "%d ledger entries"),
    ],
)
def test_dashboard_captions_keep_the_number_in_every_plural_form(language, singular, plural):
    """The tables format these captions with ``% count``: a form without %d would raise."""
    with translation.override(language):
        for n in (0, 1, 2, 3, 11, 100, 102):
            caption = ngettext(singular, plural, n) % n
            assert str(n) in caption


def test_dashboard_limits_are_translated_and_grouped_the_dutch_way(staff, five_off):
    data = reward_data(None, AMOUNT, stock="9223372036854775807")
    url = dashboard_url("loyalty-reward-update", five_off.pk)
    response = staff.post(url, data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.context["form"].errors["stock"] == [
        "Voer een geheel getal in van 0 tot en met 1.000.000.000."
    ]


def history_of(client, language):
    page = rewards_page(client, language).content.decode()
    return page[page.index('data-loyalty="history"') :]


@pytest.fixture
def vip_welcome(shopper):
    """The upgrade job (running in the shop's default language) pays VIP's entry bonus."""
    account = ledger.account_for_user(shopper)
    vip = Tier.objects.create(name="VIP", position=1, threshold=Decimal("100"), entry_bonus=300)
    TierActivity.objects.create(
        account=account, order_number="T1", spend=Decimal("150"), points=150, occurred_at=now()
    )
    with translation.override("en-gb"):
        tiers.qualify_account(account.pk, email=False)
    assert account.entries.filter(description="Welcome to VIP").exists()
    return vip


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("nl", "Bonus: <bdi>Welkom bij <bdi>VIP</bdi></bdi>"),
        ("ar", "مكافأة إضافية: <bdi>مرحبًا بك في <bdi>VIP</bdi></bdi>"),
    ],
)
def test_tier_welcome_line_is_shown_in_the_readers_language(client, vip_welcome, language, line):
    history = history_of(client, language)
    assert line in history
    assert "Welcome to" not in history


def test_order_line_written_during_a_dutch_checkout_reads_in_english(
    client, shopper, django_capture_on_commit_callbacks
):
    create_spend_rule("1")
    with translation.override("nl"), django_capture_on_commit_callbacks(execute=True):
        order = place_order(shopper, [("20.00", 1)])
    assert ledger.earned_by_order(order.number)[0].description == f"Bestelling {order.number}"
    history = history_of(client, "en-gb")
    assert f"Order <bdi>{order.number}</bdi>" in history
    assert "Bestelling" not in history


def test_lines_that_cannot_be_rebuilt_are_shown_as_stored(client, shopper, vip_welcome):
    """A tier renamed since its welcome, and text this package does not know, stay as written."""
    vip_welcome.name = "VIP Club"
    vip_welcome.save()
    ledger.earn(ledger.account_for_user(shopper), 5, key="x", description="Spring <sale>")
    history = history_of(client, "nl")
    assert "Bonus: <bdi>Welcome to VIP</bdi>" in history
    assert "<bdi>Spring &lt;sale&gt;</bdi>" in history


def test_dutch_basket_update_button_is_dutch(client, shopper):
    """Oscar's Dutch catalogue leaves the basket's "Update" button in English."""
    product = create_buyable_product("Garden Parasol", "12.50")
    client.post(reverse("basket:add", args=[product.pk]), {"quantity": 1})
    page = client.get(reverse("basket:summary"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert ">Bijwerken</button>" in page
    assert ">Update</button>" not in page


@pytest.mark.parametrize(
    ("language", "page_of"), [("nl", "Pagina 1 van 2"), ("ar", "الصفحة 1 من 2")]
)
def test_history_pagination_is_translated(client, shopper, language, page_of):
    account = ledger.account_for_user(shopper)
    for i in range(25):
        ledger.earn(account, 1, key=f"e{i}", description=f"Gift {i:02d}")
    page = rewards_page(client, language).content.decode()
    assert page_of in " ".join(page.split())
    assert "Page 1 of 2" not in " ".join(page.split())


def test_arabic_page_keeps_english_names_apart_from_the_sentence(client, shopper):
    """Right to left, a typed English name inside an Arabic sentence would take the sentence's
    punctuation with it ("!VIP Club"): every tier and reward name is isolated in <bdi>, and
    escaped."""
    Tier.objects.create(name="VIP Club!", position=1, threshold=Decimal("100"))
    AmountOffReward.objects.create(name="10% off <today>!", points_cost=50, amount=Decimal("2"))
    page = rewards_page(client, "ar").content.decode()
    assert "لتبلغ <bdi>VIP Club!</bdi>" in page  # "... to reach VIP Club!"
    assert '<h3 class="h6"><bdi>10% off &lt;today&gt;!</bdi></h3>' in page
    assert "<today>" not in page
