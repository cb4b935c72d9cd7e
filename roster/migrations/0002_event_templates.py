"""Seed the seven guild event templates (ROS-52); existing rows are left alone."""

from django.db import migrations

from roster.defaults import write_event_templates


def seed_event_templates(apps, schema_editor):
    write_event_templates(apps.get_model("roster", "EventTemplate"), reset=False)


class Migration(migrations.Migration):
    dependencies = [("roster", "0001_initial")]

    operations = [migrations.RunPython(seed_event_templates, migrations.RunPython.noop)]
