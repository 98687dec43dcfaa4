"""Dry-run a few CSV lines through a shipped mapping and return what each line would store."""

from __future__ import annotations

from pathlib import Path

from intake_adapters.spreadsheet import import_file, shipped_mappings
from registry.organisations import parse_org_csv
from registry.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
ORG = parse_org_csv((Path(__file__).parent.parent / "fixtures" / "org-small.csv").read_text())
STORED_FIELDS = {"period", "unit", "channel", "categories", "implicated_party", "reporter_role",
                 "follow_up", "impact"}


def coded(mapping_name: str, csv_text: str) -> dict[int, dict[str, tuple[str, ...]]]:
    """Line number -> coded fields, for every line that would be stored; fails on a refusal."""
    report = import_file(csv_text.encode("utf-8"), shipped_mappings(TAXONOMY)[mapping_name],
                         channel="vp_extern", taxonomy=TAXONOMY, org=ORG, signals=None,
                         allowed_organisations=None, dry_run=True)
    assert not report.refused, [p.text for p in report.problems]
    rows = {row.line: row.coded for row in report.preview if row.record is not None}
    for fields in rows.values():  # codes only: no typed text reaches a record
        assert set(fields) <= STORED_FIELDS
        for name, codes in fields.items():
            if name not in ("period", "unit"):
                field = "categories" if name == "categories" else name
                assert set(codes) <= TAXONOMY.fields[field].code_set, (name, codes)
    return rows
