"""Shared by the migrations that add our emails as Oscar communication event types, so admins
can edit their text in Dashboard > Content > Email templates (empty template fields mean: use
the shipped files). Django's migration loader skips modules whose names start with ``_``."""

from django.db import migrations


def event_types_operation(event_types: list[tuple[str, str]]) -> migrations.RunPython:
    """A reversible operation creating (and on reverse, removing) ``(code, name)`` types."""

    def create(apps, schema_editor):
        CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
        for code, name in event_types:
            CommunicationEventType.objects.get_or_create(
                code=code, defaults={"name": name, "category": "User related"}
            )

    def remove(apps, schema_editor):
        CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
        CommunicationEventType.objects.filter(code__in=[code for code, _name in event_types]).delete()

    return migrations.RunPython(create, remove)
