"""Test-wide settings: quiet progress bars, headless figures, no telemetry, no internet."""

from __future__ import annotations

import os

os.environ.setdefault("FAIP_NO_PROGRESS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
