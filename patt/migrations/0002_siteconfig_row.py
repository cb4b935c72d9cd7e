"""ACC-5: the single SiteConfig row exists from the start, with the PATT defaults."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("patt", "SiteConfig").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("patt", "0001_initial")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
