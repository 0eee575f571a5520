"""Where the platforms' published models are: $STOCKPOOL_SPECS_DIR, else ../shared/specs beside
the checkout (as the README says)."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]


def specs_root() -> Path:
    """The folder holding amazon/ and walmart/; nothing says it exists."""
    chosen = os.environ.get("STOCKPOOL_SPECS_DIR")
    return Path(chosen) if chosen else REPOSITORY.parent / "shared" / "specs"
