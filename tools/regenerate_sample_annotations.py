"""Regenerate the embedded sample's Label Studio export (dataset_builder/sample/annotations/).

    python tools/regenerate_sample_annotations.py --workdir work/sample-annotations

runs collect + extract on the sample, starts a throwaway Label Studio, replays the committed
labels (``labels.yaml``) as three demo annotators and rewrites ``sample_export.json``; see
``tools.sample_annotations``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.sample_annotations import EXPORT_FILE, regenerate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--ls-bin", default=None)
    parser.add_argument("--out", type=Path, default=EXPORT_FILE)
    args = parser.parse_args(argv)
    print(regenerate(args.workdir, args.ls_bin, args.out))


if __name__ == "__main__":
    main()
