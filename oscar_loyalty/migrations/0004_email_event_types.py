"""Our email types as Oscar communication event types, so admins can edit their text in
Dashboard > Content > Email templates (empty template fields mean: use the shipped files)."""

from django.db import migrations

from ._event_types import event_types_operation

EVENT_TYPES = [("LOYALTY_POINTS_EXPIRING", "Loyalty: points expiring soon")]


class Migration(migrations.Migration):
    dependencies = [
        ("oscar_loyalty", "0003_customer_profile_and_notices"),
        ("communication", "0001_initial"),
    ]

    operations = [event_types_operation(EVENT_TYPES)]
