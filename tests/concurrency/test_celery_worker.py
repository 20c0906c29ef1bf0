"""A real Celery worker, fed through Redis, does the background work of a placed order."""

import os
import time
import uuid

import pytest
from django.db import connections
from oscar.test.factories import UserFactory

from oscar_loyalty import ledger
from oscar_loyalty.models import LedgerEntry
from tests.factories import create_spend_rule, place_order

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def celery_worker():
    """The sandbox's Celery app with a real worker thread consuming from Redis."""
    import redis
    from celery.contrib.testing.worker import start_worker

    from sandbox.celery_app import app

    try:
        redis.Redis.from_url(BROKER).ping()
    except redis.exceptions.ConnectionError as error:
        message = f"Redis is not reachable at {BROKER}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    saved = {
        key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    # A queue of its own, so a worker of another test run on the same Redis never takes our task.
    queue = f"oscar-loyalty-test-{uuid.uuid4().hex}"
    app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=queue)
    _drop_connection_pools(app)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.update(saved)
        _drop_connection_pools(app)
        connections.close_all()


def _drop_connection_pools(app) -> None:
    """Eager tasks earlier in the run already built producer pools for the old broker URL."""
    app._pool = None
    app.amqp._producer_pool = None


def test_points_for_a_placed_order_are_awarded_by_the_worker(celery_worker):
    create_spend_rule("1")
    shopper = UserFactory()
    order = place_order(shopper, [("37.00", 1)])  # commits: the receiver enqueues to Redis

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if LedgerEntry.objects.filter(order_number=order.number).exists():
            break
        time.sleep(0.2)

    assert ledger.account_for_user(shopper).pending == 37
