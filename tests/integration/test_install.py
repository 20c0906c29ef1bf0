"""The README's install steps are enough for an existing stock Oscar project."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], db: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.install_project.settings",
        "INSTALL_CHECK_DB": str(db),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def installed_project(tmp_path_factory):
    db = tmp_path_factory.mktemp("install") / "shop.sqlite3"
    migrate = _run(["-m", "django", "migrate", "--noinput", "-v0"], db)
    assert migrate.returncode == 0, migrate.stderr
    check = _run(["-m", "django", "check", "--fail-level", "WARNING"], db)
    smoke = _run(["tests/install_project/smoke.py"], db)
    assert smoke.returncode == 0, smoke.stderr
    return check, json.loads(smoke.stdout)


def test_stock_oscar_project_with_our_apps_passes_system_checks(installed_project):
    check, _ = installed_project
    assert check.returncode == 0, check.stdout + check.stderr


def test_shopper_sees_rewards_tab_in_account(installed_project):
    _, pages = installed_project
    assert pages["shopper_rewards"]["status"] == 200
    assert 'href="/loyalty/account/"' in pages["shopper_rewards"]["body"]
    assert pages["anonymous_rewards"]["status"] == 302


def test_loyalty_dashboard_is_for_staff_only(installed_project):
    _, pages = installed_project
    assert pages["staff_dashboard"]["status"] == 200
    assert 'data-loyalty="dashboard-index"' in pages["staff_dashboard"]["body"]
    assert pages["shopper_dashboard"]["status"] in (302, 403)


def test_orders_earn_points_without_any_celery_setup(installed_project):
    _, pages = installed_project
    assert pages["order_points"] == 10  # Oscar's create_order buys one 10.00 item


@pytest.mark.django_db
def test_rewards_tab_requires_sign_in(client):
    response = client.get(reverse("oscar_loyalty:account"))
    assert response.status_code == 302
    assert reverse("customer:login") in response["Location"]
