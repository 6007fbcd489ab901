"""Constants more than one module needs, defined once (this module imports nothing, so the CLI
reads them without loading the stages: ``faip --help`` stays fast)."""

from __future__ import annotations

# Gutenberg asks robots to harvest from a mirror, not www.gutenberg.org
# (https://www.gutenberg.org/policy/robot_access.html); aleph.gutenberg.org is its own
# rsync/HTTP mirror with the cache/epub/ layout.
DEFAULT_MIRROR = "https://aleph.gutenberg.org/"
# Seconds between requests to a mirror, as in Gutenberg's `wget -w 2` advice.
DEFAULT_DELAY = 2.0

# Licences a work can carry; a release publishes text only for the redistributable ones.
LICENCES: tuple[str, ...] = (
    "public-domain-us", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "copyrighted", "unknown",
)
REDISTRIBUTABLE = frozenset({"public-domain-us", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0"})

# Tasks per Label Studio import request. Label Studio pays a fixed cost per request: 10,000
# tasks with predictions import in about the time of one bare request at 2,000 a batch (~3 s
# each, so progress still moves), and 20-40% slower at 500.
PUSH_BATCH_SIZE = 2000

# The Hub repository releases name in their card and croissant.json.
DEFAULT_REPO_ID = "fictional-ai-personas/fictional-ai-personas"

# The Label Studio project `faip annotate serve` creates for contributors.
SERVE_PROJECT = "Fictional AI Personas"
