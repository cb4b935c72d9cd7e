"""What an import did: counts per legacy table, every merged and reported row (issue 14)."""

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TableCount:
    """One in-scope legacy table. `imported + merged + reported + earlier == legacy`."""

    legacy: int = 0
    imported: int = 0
    merged: int = 0
    reported: int = 0
    earlier: int = 0  # rows already in the ledger from an earlier run

    @property
    def accounted(self) -> int:
        return self.imported + self.merged + self.reported + self.earlier


@dataclass
class RowNote:
    """A merged or reported legacy row, or an imported one the import had to change."""

    table: str
    legacy_id: int
    bucket: str  # imported | merged | reported
    reason: str
    target: str = ""


@dataclass
class Report:
    """The whole import: JSON with `--report`, `summary()` on stdout."""

    revision: str = ""
    dry_run: bool = False
    tables: dict[str, TableCount] = field(default_factory=dict)
    rows: list[RowNote] = field(default_factory=list)
    changed: list[RowNote] = field(default_factory=list)
    winner_changes: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[dict[str, str]] = field(default_factory=list)
    not_imported: dict[str, str] = field(default_factory=dict)

    def count(self, table: str) -> TableCount:
        return self.tables.setdefault(table, TableCount())

    @property
    def balanced(self) -> bool:
        return all(count.accounted == count.legacy for count in self.tables.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "legacy_revision": self.revision,
            "dry_run": self.dry_run,
            "tables": {
                name: {**asdict(count), "accounted": count.accounted}
                for name, count in self.tables.items()
            },
            "rows": [asdict(note) for note in self.rows],
            "changed": [asdict(note) for note in self.changed],
            "winner_changes": self.winner_changes,
            "secrets": self.secrets,
            "not_imported": self.not_imported,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, sort_keys=False)

    def summary(self) -> str:
        """The readable summary: counts, merged and reported rows, winners, secrets."""
        lines = [
            f"Legacy PATT import (Alembic {self.revision})"
            + (" — DRY RUN, nothing written" if self.dry_run else ""),
            "",
            f"{'table':42} {'legacy':>7} {'imported':>8} {'merged':>7} {'reported':>8} "
            f"{'earlier':>7}",
        ]
        for name, c in self.tables.items():
            lines.append(
                f"{name:42} {c.legacy:>7} {c.imported:>8} {c.merged:>7} {c.reported:>8} "
                f"{c.earlier:>7}"
            )
        for bucket in ("merged", "reported"):
            notes = [note for note in self.rows if note.bucket == bucket]
            if notes:
                lines += ["", f"{bucket.capitalize()} rows ({len(notes)}):"]
                for note in notes:
                    target = f" → {note.target}" if note.target else ""
                    lines.append(f"  {note.table} #{note.legacy_id}{target}: {note.reason}")
        if self.changed:
            lines += ["", f"Imported with changes ({len(self.changed)}):"]
            lines += [f"  {n.table} #{n.legacy_id}: {n.reason}" for n in self.changed]
        if self.winner_changes:
            lines += ["", "Closed campaigns whose winners differ under this platform's rules:"]
            for change in self.winner_changes:
                lines.append(
                    f"  {change['campaign']} (legacy #{change['legacy_id']}): legacy "
                    f"{', '.join(change['legacy_winners']) or 'none'} → now "
                    f"{', '.join(change['new_winners']) or 'none'}"
                )
        if self.secrets:
            lines += ["", "Secrets never imported (set them in the environment):"]
            for secret in self.secrets:
                lines.append(f"  {secret['column']} ({secret['state']}) → {secret['setting']}")
        if self.not_imported:
            lines += ["", f"Tables not imported ({len(self.not_imported)}):"]
            lines += [f"  {name}: not imported: {why}" for name, why in self.not_imported.items()]
        return "\n".join(lines)
