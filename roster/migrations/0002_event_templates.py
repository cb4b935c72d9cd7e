"""Seed the seven guild event templates (ROS-52); existing rows are left alone."""

from django.db import migrations

from roster.defaults import EVENT_TEMPLATES, RAID_HELPER_TEMPLATE


def seed_event_templates(apps, schema_editor):
    EventTemplate = apps.get_model("roster", "EventTemplate")
    for order, (key, icon, name, title, description) in enumerate(EVENT_TEMPLATES, start=1):
        EventTemplate.objects.get_or_create(
            key=key,
            defaults={
                "icon": icon,
                "name": name,
                "title": title,
                "description": description,
                "raid_helper_template": RAID_HELPER_TEMPLATE,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("roster", "0001_initial")]

    operations = [migrations.RunPython(seed_event_templates, migrations.RunPython.noop)]
