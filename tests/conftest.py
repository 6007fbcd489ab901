"""Test-wide settings (quiet progress bars, headless figures, no telemetry, no internet) and
the synthetic work directory factory's fixtures (dataset_builder/synthetic.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("FAIP_NO_PROGRESS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def synthetic_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic work dir (120 passages in 3 works, 3 annotators each, labels);
    shared by the session: copy it before changing it."""
    from dataset_builder import synthetic

    return synthetic.workdir(tmp_path_factory.mktemp("synthetic") / "w", n_passages=120)

