"""Label Studio throughput: push 10,000 passages with predictions and pull 10,000 annotated
tasks through ``faip annotate``, each against one bare SDK call of the same payload measured
in the same run (one ``import_tasks`` of all tasks; one snapshot export create + download).

The server's own time for the same request varies by a quarter from one request to the next,
so bare and ours alternate ``--runs`` times, each into a fresh project (push) or work dir
(pull); printed are every time and the ratio of the fastest of each side.
Goal: ratio <= 1.25 for both.
Usage: python benchmarks/label_studio.py [--passages 10000] [--annotators 3] [--runs 3]
Needs Label Studio in .venv-ls (or $LABEL_STUDIO_BIN); reuses the template of
tools/ls_template.py (the tests' too) if built.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dataset_builder import (
    synthetic,  # noqa: E402
    taxonomy,  # noqa: E402
)
from dataset_builder.annotate.config import guideline, labeling_config  # noqa: E402
from dataset_builder.annotate.pull import pull  # noqa: E402
from dataset_builder.annotate.push import pre_annotation, push, task_data  # noqa: E402
from dataset_builder.tables import write_table  # noqa: E402
from tools.ls_template import start_copy  # noqa: E402


def annotation(user: int, k: int, text: str) -> dict:
    tax = taxonomy.load()
    personas = tax.ids("persona")
    at = text.index("robot")
    return {"completed_by": user, "lead_time": 20.0 + k, "result": [
        {"from_name": "ai_present", "to_name": "text", "type": "choices",
         "value": {"choices": ["present"]}},
        {"from_name": "persona", "to_name": "text", "type": "choices",
         "value": {"choices": [personas[k % len(personas)]]}},
        {"from_name": "traits", "to_name": "text", "type": "choices",
         "value": {"choices": ["obedience", "honesty"]}},
        {"from_name": "role_model", "to_name": "text", "type": "rating",
         "value": {"rating": 1 + k % 5}},
        {"from_name": "spans", "to_name": "text", "type": "labels",
         "value": {"start": at, "end": at + 5, "text": "robot", "labels": ["ai_mention"]}}]}


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def report(what: str, bare_name: str, bare: list[float], ours: list[float]) -> None:
    def runs(times: list[float]) -> str:
        return ", ".join(f"{t:.1f}" for t in times)

    print(f"{what}: {bare_name} {min(bare):.1f} s ({runs(bare)}), faip {what} {min(ours):.1f} s "
          f"({runs(ours)}); ratio of the fastest {min(ours) / min(bare):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3, help="bare/ours pairs per operation")
    args = parser.parse_args()
    if min(args.runs, args.passages, args.annotators) < 1:
        parser.error("--runs, --passages and --annotators must be at least 1")
    os.environ.setdefault("FAIP_NO_PROGRESS", "1")
    os.environ.setdefault("FAIP_PSEUDONYM_KEY", "benchmark-key")
    tmp = Path(tempfile.mkdtemp(prefix="faip-ls-bench-"))
    server = start_copy(tmp)
    try:
        from label_studio_sdk import LabelStudio

        ls = LabelStudio(base_url=server.url, api_key=server.login.token, timeout=600)
        tax, guide = taxonomy.load(), guideline()
        passages = synthetic.works_and_passages(args.passages)[1]
        records = passages.to_dict("records")
        payload = [{"data": task_data(r, tax.version, guide.version),
                    "predictions": [pre_annotation(r)]} for r in records]
        size_mb = len(json.dumps(payload)) / 1e6
        print(f"{len(payload):,} tasks with predictions, {size_mb:.1f} MB of JSON")

        def workdir(name: str) -> Path:
            work = tmp / name
            write_table(work, "passages", passages)
            return work

        # --- push -----------------------------------------------------------------------
        bare_push, ours_push = [], []
        for run in range(args.runs):
            ref = ls.projects.create(title=f"bare import {run}", label_config=labeling_config())
            bare_push.append(timed(ls.projects.import_tasks, id=ref.id, request=payload)[0])
            work = workdir(f"push{run}")
            seconds, res = timed(push, work, server.url, f"faip push {run}",
                                 token=server.login.token)
            assert res.imported == len(payload)
            ours_push.append(seconds)
        again, res2 = timed(push, work, server.url, f"faip push {run}", token=server.login.token)
        assert res2.imported == 0
        report("push", "bare import_tasks", bare_push, ours_push)
        print(f"  idempotent re-push {again:.1f} s")

        # --- pull -----------------------------------------------------------------------
        users = [ls.users.create(username=f"bench{i}", email=f"bench{i}@bench.invalid").id
                 for i in range(args.annotators)]
        annotated = [{**t, "annotations": [annotation(u, k + j, r["text"])
                                            for j, u in enumerate(users)]}
                     for k, (t, r) in enumerate(zip(payload, records, strict=True))]
        title = "faip pull"
        proj = ls.projects.create(title=title, label_config=labeling_config())
        t_setup, _ = timed(ls.projects.import_tasks, id=proj.id, request=annotated)
        n_ann = len(annotated) * len(users)
        print(f"set-up: imported {len(annotated):,} tasks carrying {n_ann:,} annotations in "
              f"{t_setup:.1f} s (Label Studio accepts annotations in the import payload)")

        def bare_export() -> int:
            snap = ls.projects.exports.create(id=proj.id, title="bare")
            data = b"".join(ls.projects.exports.download(id=proj.id, export_pk=snap.id,
                                                         export_type="JSON"))
            ls.projects.exports.delete(id=proj.id, export_pk=snap.id)
            return len(data)

        bare_pull, ours_pull = [], []
        for run in range(args.runs):
            seconds, nbytes = timed(bare_export)
            bare_pull.append(seconds)
            work = workdir(f"pull{run}")
            seconds, result = timed(pull, work, server.url, title, token=server.login.token)
            assert result.appended.new == n_ann, result
            ours_pull.append(seconds)
        repull, result2 = timed(pull, work, server.url, title, token=server.login.token)
        assert result2.appended.path is None
        report("pull", f"bare snapshot export+download ({nbytes / 1e6:.0f} MB)", bare_pull,
               ours_pull)
        print(f"  unchanged re-pull {repull:.1f} s")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
