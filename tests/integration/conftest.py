from decimal import Decimal

import pytest
from oscar.test.factories import UserFactory

from oscar_loyalty.models import AmountOffReward


@pytest.fixture
def staff(client):
    """The test client, signed in as a staff member (no model permissions)."""
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.fixture
def five_off():
    return AmountOffReward.objects.create(name="£5 off", points_cost=500, amount=Decimal("5.00"))


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the receivers' after-commit tasks, as a real request's commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
