"""The recommendations dashboard page: staff only; build, quality report and explanations."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from oscar.test.factories import UserFactory

from oscar_loyalty.models import ProductNeighbour, RecommendationBuild
from tests.factories import buy_products, create_buyable_product, dashboard_url
from tests.recommendation_shop import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


@pytest.mark.parametrize("name", ["loyalty-recommendations", "loyalty-recommendations-action"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_and_customers_are_refused(client, name, method):
    response = getattr(client, method)(dashboard_url(name), {"action": "build"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("dashboard:login"))
    client.force_login(UserFactory(is_staff=False))
    assert getattr(client, method)(dashboard_url(name), {"action": "build"}).status_code == 403
    assert not RecommendationBuild.objects.exists()


def test_page_says_when_the_model_was_never_built(staff):
    page = staff.get(dashboard_url("loyalty-recommendations")).content.decode()
    assert "The model has not been built yet" in page
    assert "No quality report yet" in page


def test_page_shows_the_last_build(staff, shop):
    page = staff.get(dashboard_url("loyalty-recommendations")).content.decode()
    built = RecommendationBuild.objects.get()
    assert built.neighbours == ProductNeighbour.objects.count() > 0
    assert f"{built.neighbours} neighbour links between 6 products" in page  # not the kettle


def test_rebuild_now_builds_the_model_and_says_it_is_done(staff):
    action = dashboard_url("loyalty-recommendations-action")
    response = staff.post(action, {"action": "build"}, follow=True)
    assert response.redirect_chain == [(dashboard_url("loyalty-recommendations"), 302)]
    assert RecommendationBuild.objects.get().status == RecommendationBuild.SUCCEEDED
    page = response.content.decode()
    assert "The recommendation model has been rebuilt." in page
    assert "being rebuilt" not in page


@pytest.mark.parametrize("status", [RecommendationBuild.SUCCEEDED, RecommendationBuild.FAILED])
def test_page_says_a_build_is_under_way_only_until_it_is_done_or_failed(staff, status):
    build = RecommendationBuild.objects.create()  # a worker's build, started and still running
    page = staff.get(dashboard_url("loyalty-recommendations")).content.decode()
    assert "The model is being rebuilt (started " in page
    build.status, build.finished_at = status, timezone.now()
    build.save()
    page = staff.get(dashboard_url("loyalty-recommendations")).content.decode()
    assert "being rebuilt" not in page


@pytest.mark.parametrize(
    "action, message",
    [
        ("build", "The model is queued for rebuilding in the background."),
        ("report", "The quality report is queued: reload this page in a moment to see it."),
    ],
)
def test_an_action_sent_to_a_worker_says_it_is_queued(staff, monkeypatch, action, message):
    from oscar_loyalty.dashboard import recommendation_views

    monkeypatch.setattr(recommendation_views, "enqueue", lambda task: None)  # a worker's job
    url = dashboard_url("loyalty-recommendations-action")
    page = staff.post(url, {"action": action}, follow=True).content.decode()
    assert message in page
    assert "being rebuilt" not in page and "has been" not in page


def test_a_report_that_failed_here_says_so_even_when_celery_keeps_the_error(staff, monkeypatch):
    from oscar_loyalty.dashboard import recommendation_views

    # A project whose eager tasks do not raise: the failure is in the result only.
    monkeypatch.setattr(recommendation_views, "enqueue", lambda task: task.apply(throw=False))
    url = dashboard_url("loyalty-recommendations-action")
    page = staff.post(url, {"action": "report"}, follow=True).content.decode()
    assert "It failed: the shop has no orders from customers yet" in page
    assert "The quality report has been computed." not in page


def test_quality_report_needs_history_before_the_cutoff(staff, shop):
    # every order is a month old: the default cutoff (the last 90 days or last 10 % of purchases)
    # leaves nothing to learn from, and staff are told so instead of seeing made-up numbers
    response = staff.post(
        dashboard_url("loyalty-recommendations-action"), {"action": "report"}, follow=True
    )
    page = response.content.decode()
    assert "the cutoff must fall between the first and the last purchase" in page
    assert "No quality report yet" in page


def test_quality_report_numbers_are_shown(staff, shop):
    products, customers = shop
    buy_products(
        customers["ann"], [products["kettle"]], date_placed=timezone.now() - timedelta(days=200)
    )
    response = staff.post(
        dashboard_url("loyalty-recommendations-action"), {"action": "report"}, follow=True
    )
    page = response.content.decode()
    # Only ann bought before the cutoff (the kettle); after it, tea, cup and saucer. The one
    # popular product is the kettle: no hit, and it covers the whole training catalogue.
    row = page[page.index('data-task="repeat" data-method="popularity"') :].split("</tr>")[0]
    assert "<td>0.000</td><td>0.000</td><td>0.000</td><td>1.000</td>" in row
    assert 'data-task="discovery" data-method="ours"' in page


def run_quality_report(staff, shop) -> str:
    products, customers = shop
    buy_products(
        customers["ann"], [products["kettle"]], date_placed=timezone.now() - timedelta(days=200)
    )
    response = staff.post(
        dashboard_url("loyalty-recommendations-action"), {"action": "report"}, follow=True
    )
    return response.content.decode()


def test_quality_report_names_tasks_and_methods_in_words(staff, shop):
    page = run_quality_report(staff, shop)
    row = page[page.index('data-task="discovery" data-method="buy_again"') :].split("</tr>")[0]
    assert "<td>New products</td><td>Buy again (the customer&#x27;s own purchases)</td>" in row
    assert "<td>Repeat purchases</td><td>Best sellers</td>" in page
    assert "<td>Repeat purchases</td><td>This model</td>" in page
    assert "<td>buy_again</td>" not in page and "<td>repeat</td>" not in page


def test_rebuilding_keeps_the_last_quality_report_on_show(staff, shop):
    run_quality_report(staff, shop)
    measured = RecommendationBuild.objects.get(report__isnull=False)
    staff.post(dashboard_url("loyalty-recommendations-action"), {"action": "build"})
    assert RecommendationBuild.objects.filter(status=RecommendationBuild.SUCCEEDED).count() == 2
    page = staff.get(dashboard_url("loyalty-recommendations")).content.decode()
    assert "No quality report yet" not in page
    assert 'data-task="repeat" data-method="popularity"' in page
    built = date_format(timezone.localtime(measured.finished_at), "DATETIME_FORMAT")
    assert f"The model built {built} is the one measured here." in page
    assert "The model has been rebuilt since" in page


def test_explorer_shows_what_a_customer_gets_and_why(staff, shop):
    page = staff.get(
        dashboard_url("loyalty-recommendations"), {"customer": "bob@example.com"}
    ).content.decode()
    discover = page[page.index('data-list="discover"') :]
    assert "Saucer" in discover.split("</ol>")[0]
    assert "because they bought" in discover and "Cup" in discover.split("</ol>")[0]


def test_explorer_shows_a_products_neighbours(staff, shop):
    products, _ = shop
    page = staff.get(
        dashboard_url("loyalty-recommendations"), {"product": str(products["cup"].pk)}
    ).content.decode()
    table = page[page.index('data-list="neighbours"') :].split("</table>")[0]
    assert table.index("Tea") < table.index("Saucer")
    tea = ProductNeighbour.objects.get(product=products["cup"], neighbour=products["tea"])
    assert f"{tea.score:.4f}" in table


def test_explorer_explains_an_unknown_customer(staff):
    response = staff.get(dashboard_url("loyalty-recommendations"), {"customer": "nobody@x.org"})
    assert response.status_code == 200
    assert "No customer with this e-mail address or id." in response.content.decode()


def test_quality_report_of_a_shop_whose_customers_only_rebuy_shows_no_discovery_figures(staff):
    # One customer bought tea and cups last year and the same again this week: nothing after
    # the cutoff is new to anyone, so the discovery task has no customer to score. The report
    # is kept (a mean of nothing is not a number a database's JSON can hold) and shows dashes.
    tea, cup = create_buyable_product("Tea", "5.00"), create_buyable_product("Cup", "5.00")
    customer = UserFactory()
    buy_products(customer, [tea, cup], date_placed=timezone.now() - timedelta(days=400))
    buy_products(customer, [tea, cup])
    staff.post(dashboard_url("loyalty-recommendations-action"), {"action": "build"})
    response = staff.post(
        dashboard_url("loyalty-recommendations-action"), {"action": "report"}, follow=True
    )
    page = response.content.decode()
    assert "It failed" not in page
    row = page[page.index('data-task="discovery" data-method="ours"') :].split("</tr>")[0]
    assert "<td>—</td><td>—</td><td>—</td><td>0.000</td>" in row
    repeat = page[page.index('data-task="repeat" data-method="buy_again"') :].split("</tr>")[0]
    assert "<td>1.000</td><td>1.000</td><td>1.000</td>" in repeat


def test_the_measured_models_time_of_day_does_not_double_the_full_stop(staff):
    morning = timezone.make_aware(datetime(2026, 3, 4, 9, 30))
    RecommendationBuild.objects.create(
        status=RecommendationBuild.SUCCEEDED,
        finished_at=morning,
        report={"k": 10, "results": {"repeat": {"ours": {"hit_rate": 0.5, "coverage": 0.2}}}},
    )
    page = staff.get(dashboard_url("loyalty-recommendations")).content.decode()
    sentence = page.split('data-loyalty="report-build">')[1].split("</p>")[0]
    assert sentence == "The model built 4 Mar 2026, 9:30 a.m. is the one measured here."
