"""What may never leave the machine, checked by ``faip publish`` itself on the folder it is
given (the folder may have been rehydrated or edited since ``faip release`` checked it):

- a folder ``faip rehydrate`` wrote (it carries the LOCAL_ONLY marker);
- text of a work whose licence forbids redistribution, in passages or annotation spans;
- an e-mail address or a token anywhere (the release's own privacy scan, run again).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dataset_builder.constants import REDISTRIBUTABLE
from dataset_builder.errors import UserError
from dataset_builder.release import scan

LOCAL_ONLY = "LOCAL_ONLY.md"
LOCAL_ONLY_TEXT = """# Local copy: do not publish

`faip rehydrate` restored into this folder the texts that the release withholds because their
licence forbids redistribution. It is for your own use only: `faip publish` refuses it.
Publish the release folder `faip release` built instead.
"""


def _read(folder: Path, config: str, columns: list[str]) -> pa.Table | None:
    shards = sorted((folder / "data" / config).glob("*.parquet"))
    if not shards:
        return None
    try:
        return pa.concat_tables(pq.read_table(s, columns=columns) for s in shards)
    except Exception as exc:  # a damaged or edited shard
        raise UserError(f"{folder}/data/{config}: cannot read {', '.join(columns)} ({exc}); "
                        "rebuild the folder with `faip release`.") from exc


def withheld_text(folder: Path) -> list[str]:
    """Passages and annotation spans that carry text of a work whose licence withholds it."""
    works = _read(folder, "works", ["work_id", "licence"])
    if works is None:
        return [f"{folder}/data/works: no works table, so the licences cannot be checked"]
    allowed = pa.array(sorted(REDISTRIBUTABLE), pa.string())
    withheld = works.filter(pc.invert(pc.is_in(works["licence"], value_set=allowed)))["work_id"]
    if len(withheld) == 0:
        return []
    found = []
    passages = _read(folder, "passages", ["work_id", "text"])
    if passages is not None:
        hit = passages.filter(pc.and_(pc.is_in(passages["work_id"], value_set=withheld),
                                      pc.is_valid(passages["text"])))
        if hit.num_rows:
            names = sorted(set(hit["work_id"].to_pylist()))
            found.append(f"data/passages: {hit.num_rows} passage text(s) of work(s) whose "
                         f"licence withholds them ({', '.join(names[:5])})")
    annotations = _read(folder, "annotations", ["work_id", "spans"])
    if annotations is not None and annotations.num_rows:
        rows = annotations.filter(pc.is_in(annotations["work_id"], value_set=withheld))
        spans = pc.list_flatten(rows["spans"]) if rows.num_rows else None
        if spans is not None and len(spans):
            quoted = int(pc.sum(pc.is_valid(pc.struct_field(spans, "text"))).as_py() or 0)
            if quoted:
                found.append(f"data/annotations: {quoted} span text(s) quoting works whose "
                             "licence withholds them")
    return found


def check_publishable(folder: Path) -> None:
    """UserError listing every reason ``folder`` must not be published."""
    reasons = []
    if (folder / LOCAL_ONLY).exists():
        reasons.append(f"{LOCAL_ONLY}: the folder was written by `faip rehydrate` for local use")
    reasons += withheld_text(folder)
    reasons += scan.scan_folder(folder)
    if reasons:
        raise UserError(
            f"{folder}: refusing to publish (licences and privacy are checked again here):\n  "
            + "\n  ".join(reasons[:20])
            + "\nPublish the folder `faip release` built, unchanged; never a rehydrated copy.")
