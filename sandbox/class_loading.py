"""The sandbox shop's class loader (Oscar's ``OSCAR_DYNAMIC_CLASS_LOADER`` setting).

A shop that only wants its own shipping ``Repository`` need not fork Oscar's shipping app: this
loader answers ``get_class("shipping.repository", "Repository")`` with the sandbox's and leaves
every other class to Oscar's default loader. The test settings put Oscar's loader back, so tests
choose their shipping methods themselves (``tests/checkout.py``'s ``offer_shipping``).
"""

from oscar.core.loading import default_class_loader


def shop_class_loader(module_label: str, classnames: list[str], module_prefix: str) -> list:
    """Oscar's classes, except the shipping ``Repository``: the sandbox's charged one."""
    classes = default_class_loader(module_label, classnames, module_prefix)
    if module_label != "shipping.repository" or module_prefix != "oscar.apps":
        return classes
    # Imported here: sandbox.shipping loads Oscar classes through this loader.
    from sandbox.shipping import Repository

    return [
        Repository if name == "Repository" else cls
        for name, cls in zip(classnames, classes, strict=True)
    ]
