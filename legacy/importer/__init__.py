"""The legacy PATT importer (issue 14): `run_import(url, dry_run=…)` → `Report`."""

from legacy.importer.context import ImportFailed
from legacy.importer.report import Report
from legacy.importer.run import run_import
from legacy.importer.source import SourceError

__all__ = ["ImportFailed", "Report", "SourceError", "run_import"]
