"""A shop admin types a date into a loyalty dashboard form, in real headless Chromium."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from oscar_loyalty.models import SignupRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-Strong-passw0rd"


def test_a_date_typed_day_first_is_saved_as_that_day(page):
    get_user_model().objects.create_user(
        "admin", "admin@example.com", PASSWORD, is_staff=True, is_superuser=True
    )
    page.goto("/accounts/login/")
    page.fill("#id_login-username", "admin@example.com")
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.wait_for_load_state()

    page.goto("/dashboard/loyalty/rules/new/signuprule/")
    page.fill("#id_name", "Welcome bonus")
    page.fill("#id_points", "100")
    page.click("#id_starts_at")
    page.keyboard.type("02/12/2026 10:30")  # through Oscar's input mask, as a person types
    assert page.input_value("#id_starts_at") == "02/12/2026 10:30"
    page.locator("#id_starts_at").press("Enter")
    page.wait_for_url("**/dashboard/loyalty/rules/")

    starts = timezone.localtime(SignupRule.objects.get().starts_at)
    assert starts.strftime("%d %B %Y %H:%M") == "02 December 2026 10:30"
