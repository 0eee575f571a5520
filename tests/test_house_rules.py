"""Rules of the house that hold for every file, checked by reading the source: no absolute path
of a machine."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout, so no list of tracked files: {error}")
    return [REPOSITORY / name for name in listed.decode().split("\0") if name]


def machine_paths() -> list[Path]:
    """Folders of this machine that a path in the repository must never name: the folder the
    checkout sits in (its siblings, such as ../shared, are reached relatively) and the home."""
    folders = {REPOSITORY.parent, REPOSITORY, Path.home()}
    return sorted(folder for folder in folders if folder != Path(folder.anchor))


def test_no_tracked_file_names_an_absolute_path_of_this_machine() -> None:
    pattern = re.compile(
        "|".join(rf"(?<![\w./~-]){re.escape(str(folder))}(?![\w.-])" for folder in machine_paths())
    )
    found = []
    for path in tracked_files():
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().decode(errors="replace").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}")
    assert not found, "absolute paths of this machine (make them relative to the checkout):\n" + (
        "\n".join(found)
    )
