"""Our email types as Oscar communication event types, so admins can edit their text in
Dashboard > Content > Email templates (empty template fields mean: use the shipped files)."""

from django.db import migrations

EVENT_TYPES = [("LOYALTY_POINTS_EXPIRING", "Loyalty: points expiring soon")]


def create_event_types(apps, schema_editor):
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    for code, name in EVENT_TYPES:
        CommunicationEventType.objects.get_or_create(
            code=code, defaults={"name": name, "category": "User related"}
        )


def remove_event_types(apps, schema_editor):
    CommunicationEventType = apps.get_model("communication", "CommunicationEventType")
    CommunicationEventType.objects.filter(code__in=[code for code, _name in EVENT_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("oscar_loyalty", "0003_customer_profile_and_notices"),
        ("communication", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_event_types, remove_event_types)]
