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
print(json.dumps(results))  # noqa: T201  (the test reads stdout)
