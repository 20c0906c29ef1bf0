"""Visit the loyalty pages of the freshly migrated install project; print what a visitor gets."""

import json

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

User = get_user_model()
shopper = User.objects.create_user("shopper", "shopper@example.com", "pw")
staff = User.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)

results = {}
for name, user, url in [
    ("anonymous_rewards", None, "/loyalty/account/"),
    ("shopper_rewards", shopper, "/loyalty/account/"),
    ("shopper_dashboard", shopper, "/dashboard/loyalty/"),
    ("staff_dashboard", staff, "/dashboard/loyalty/"),
]:
    client = Client()
    if user:
        client.force_login(user)
    response = client.get(url)
    results[name] = {"status": response.status_code, "body": response.content.decode()[-20000:]}
# An order placed in this project earns points, with no Celery app configured at all.
from decimal import Decimal  # noqa: E402

from oscar.test.factories import create_order  # noqa: E402

from oscar_loyalty import ledger  # noqa: E402
from oscar_loyalty.models import SpendRule  # noqa: E402

SpendRule.objects.create(name="1 per pound", points_per_unit=Decimal("1"))
create_order(user=shopper)
results["order_points"] = ledger.account_for_user(shopper).pending
print(json.dumps(results))  # noqa: T201  (the test reads stdout)
