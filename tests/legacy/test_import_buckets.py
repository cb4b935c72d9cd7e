"""Every trap of the legacy README lands in its bucket (issue 14)."""

import json

import pytest
from django.core.management import call_command

from legacy.importer import run_import

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_smoke(legacy_url, tmp_path):
    report = run_import(legacy_url)
    print(report.summary())
    assert report.balanced
