"""The sandbox shop charges for shipping through its class loader; the tests' shop does not."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.module_loading import import_string
from oscar.core.loading import get_class
from oscar.test.factories import UserFactory

from sandbox import settings as sandbox_settings
from tests.factories import open_basket

OscarRepository = import_string("oscar.apps.shipping.repository.Repository")
FixedPrice = get_class("shipping.methods", "FixedPrice")

pytestmark = pytest.mark.django_db


def sandbox_class(module_label: str, classname: str):
    """A class as the running sandbox shop would load it (its OSCAR_DYNAMIC_CLASS_LOADER)."""
    loader = import_string(sandbox_settings.OSCAR_DYNAMIC_CLASS_LOADER)
    (found,) = loader(module_label, [classname], "oscar.apps")
    return found


def test_sandbox_basket_shows_standard_delivery_at_3_95_and_offers_express():
    basket = open_basket(UserFactory(), [("12.50", 1)])
    repository = sandbox_class("shipping.repository", "Repository")()

    default = repository.get_default_shipping_method(basket)
    methods = repository.get_shipping_methods(basket)

    assert (default.name, default.calculate(basket).incl_tax) == (
        "Standard delivery",
        Decimal("3.95"),
    )
    assert [(m.name, m.calculate(basket).incl_tax) for m in methods] == [
        ("Standard delivery", Decimal("3.95")),
        ("Express delivery", Decimal("7.95")),
    ]


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("nl", ["Standaardlevering: 3 tot 5 werkdagen", "Expreslevering: Volgende werkdag"]),
        ("ar", ["التوصيل العادي: من 3 إلى 5 أيام عمل", "التوصيل السريع: يوم العمل التالي"]),
    ],
)
def test_sandbox_shipping_methods_are_translated(language, names):
    methods = sandbox_class("shipping.repository", "Repository").methods
    with translation.override(language):
        assert [f"{m.name}: {m.description}" for m in methods] == names


def test_sandbox_loader_leaves_every_other_class_to_oscar():
    assert sandbox_class("shipping.methods", "FixedPrice") is FixedPrice
    assert sandbox_class("shipping.repository", "Repository") is not OscarRepository


def test_tests_keep_oscars_free_only_shipping():
    assert get_class("shipping.repository", "Repository") is OscarRepository
