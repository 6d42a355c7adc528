"""Does an accepted draft validate? Write it into a temporary copy of the data directory in
place of the locality's curated file, expand it with `kg fmt`, run every `kg validate` check."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..fmt import format_file
from ..paths import DATA, LOCALITIES
from ..validate import Violation, focus_on, validate


def validate_accepted(locality: str, text: str, data_dir: Path = DATA) -> tuple[list[str], list[Violation]]:
    """(fmt errors, violations about the draft's own nodes) for the final text of a locality."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data_dir, copy)
        target = copy / LOCALITIES.name / f"{locality}.ttl"
        target.write_text(text, encoding="utf-8")
        errors = format_file(target)
        if errors:
            return errors, []
        report = validate(copy)
        return [], focus_on(report.violations, [target])
