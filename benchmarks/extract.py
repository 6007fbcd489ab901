"""Throughput and memory of collect + extract, against grep over the same files in the same run.

Usage: python benchmarks/extract.py CORPUS_DIR [--repeat 10] [--workers 2] [--runs 3]

CORPUS_DIR holds plain-text books (*.txt, e.g. Project Gutenberg files). They are copied into a
temporary mirror (``--repeat N`` copies of each, every copy made distinct by one added paragraph,
so the corpus grows N-fold and every copy is a real extra work), collected with
``collect_files`` and extracted with ``run_extract``. The reference is
``grep -o -i -E '<the same lexicon>'`` over the mirror files (every match printed, as extract
looks at every match; output discarded). Printed: wall time, MB/s, the
ratio to grep, CPU seconds, and peak RSS of this process (getrusage) and of the largest worker
(sampled from /proc: the workers come from a fork server, not from this process).
Run it at --repeat 1 and --repeat 10 (separate processes: peak RSS is per process) to see that
memory stays flat as the corpus grows.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("FAIP_NO_PROGRESS", "1")


def grep_pattern() -> str:
    from dataset_builder.extract.lexicon import LEXICON

    terms = sorted(LEXICON, key=len, reverse=True)
    return r"\b(" + "|".join(t.replace("'", ".") for t in terms) + r")\b"


def make_mirror(corpus: Path, mirror: Path, repeat: int) -> tuple[int, int]:
    """Copy every *.txt of ``corpus`` ``repeat`` times; returns (files, bytes).

    Copies after the first get one extra paragraph in the middle of the book, so that every
    cleaned text differs (nothing is shared in the text cache) while most passages stay exact
    duplicates for the dedup step to link.
    """
    files = sorted(corpus.glob("*.txt"))
    total = 0
    for copy in range(repeat):
        for path in files:
            data = path.read_bytes()
            if copy:
                newline = b"\r\n" if b"\r\n" in data else b"\n"
                at = data.find(newline * 2, len(data) // 2)
                at = len(data) // 2 if at < 0 else at
                extra = newline * 2 + f"Copy {copy} of {path.name}.".encode()
                data = data[:at] + extra + data[at:]
            target = mirror / f"{path.stem}-{copy}.txt"
            target.write_bytes(data)
            total += len(data)
    return len(files) * repeat, total


class Workers:
    """CPU seconds and peak RSS of every process below this one, read from /proc every 50 ms.

    The pools' workers come from a fork server, so they are not this process's children and
    ``getrusage(RUSAGE_CHILDREN)`` never sees them. A worker's last <50 ms of CPU may be missed.
    The sampling's own CPU (1-3% of a core, in this process) is counted in ``overhead`` and
    left out of :meth:`pipeline_cpu`: it is the benchmark's, not collect's or extract's.
    """

    def __init__(self, interval: float = 0.05):
        self.cpu: dict[tuple[int, int], float] = {}  # (pid, start time) -> CPU seconds
        self.peak_mb = 0.0
        self.overhead = 0.0  # CPU seconds spent in sample(), by any thread
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            self.sample()

    def sample(self) -> None:
        start = time.thread_time()
        self._sample()
        with self._lock:
            self.overhead += time.thread_time() - start

    def _sample(self) -> None:
        for pid in _descendants(os.getpid()):
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    # Fields after the ")" closing the command name: state is field 3.
                    fields = handle.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/status") as handle:
                    status = handle.read()
            except OSError:
                continue  # it ended between the listing and the read
            # utime, stime, starttime are fields 14, 15, 22
            self.cpu[(pid, int(fields[19]))] = (int(fields[11]) + int(fields[12])) / self._tick
            if not self._is_worker(pid):
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)

    @staticmethod
    def _is_worker(pid: int) -> bool:
        """A pool worker (or the fork server): run by multiprocessing. Not grep, which for a
        moment after its fork is a copy of this process and would report this one's peak."""
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                return b"multiprocessing" in handle.read()
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        self.sample()
        return sum(self.cpu.values())

    def pipeline_cpu(self) -> float:
        """CPU seconds of this process and of every worker so far, less the sampling's."""
        workers = self.cpu_seconds()
        with self._lock:
            overhead = self.overhead
        return self_cpu() + workers - overhead

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from the kernel's per-thread children lists (reading
    these few files keeps the sampling itself at ~3% of a core, where scanning all of /proc
    took ~7%)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            threads = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for tid in threads:
            try:
                with open(f"/proc/{parent}/task/{tid}/children") as handle:
                    children = [int(child) for child in handle.read().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu() -> float:
    """CPU of finished direct children (grep)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="directory of plain-text books (*.txt)")
    parser.add_argument("--repeat", type=int, default=1, help="copies of the corpus (e.g. 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat collect + extract + grep, report the fastest of each "
                             "(steadier on a shared machine; runs after the first find pandas "
                             "and pandera already imported in this process, ~1 s less)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir() or not any(args.corpus.glob("*.txt")):
        print(f"{args.corpus}: no *.txt files here; pass a directory of plain-text books.",
              file=sys.stderr)
        return 2

    if args.runs < 1 or args.repeat < 1:
        print(f"--runs {args.runs} --repeat {args.repeat}: expected whole numbers >= 1.",
              file=sys.stderr)
        return 2

    from dataset_builder.collect import collect_files
    from dataset_builder.extract import run_extract

    with tempfile.TemporaryDirectory(prefix="faip-bench-") as tmp:
        mirror = Path(tmp) / "mirror"
        mirror.mkdir()
        n_files, n_bytes = make_mirror(args.corpus, mirror, args.repeat)
        mb = n_bytes / 1e6
        files = sorted(str(p) for p in mirror.glob("*.txt"))
        best: dict[str, tuple[float, float]] = {}
        end2end: list[float] = []  # every run's collect + extract, for the median
        end2end_cpu: list[float] = []  # and its CPU seconds, with grep's
        grep_cpu: list[float] = []
        workers = Workers()
        try:
            for run in range(args.runs):
                workdir = Path(tmp) / f"work{run}"  # fresh each run: collect does it all
                # Each run starts with the disk idle: the mirror just written and the last
                # run's deleted work dir are flushed now, not in the middle of the timing.
                os.sync()
                c0, t0 = workers.pipeline_cpu(), time.perf_counter()
                collect_files([mirror], workdir, licence="public-domain-us",
                              workers=args.workers)
                timed = {"collect": (time.perf_counter() - t0,
                                     workers.pipeline_cpu() - c0)}
                c0, t0 = workers.pipeline_cpu(), time.perf_counter()
                report = run_extract(workdir, workers=args.workers)
                timed["extract"] = (time.perf_counter() - t0,
                                    workers.pipeline_cpu() - c0)
                if run == 0:
                    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB
                c0, t0 = children_cpu(), time.perf_counter()
                subprocess.run(["grep", "-o", "-i", "-E", grep_pattern(), *files],
                               stdout=subprocess.DEVNULL, check=False)
                timed["grep"] = (time.perf_counter() - t0, children_cpu() - c0)
                for name, (wall, cpu) in timed.items():  # best run: the least disturbed
                    if name not in best or wall < best[name][0]:
                        best[name] = (wall, cpu)
                end2end.append(timed["collect"][0] + timed["extract"][0])
                end2end_cpu.append(timed["collect"][1] + timed["extract"][1])
                grep_cpu.append(timed["grep"][1])
                shutil.rmtree(workdir)
        finally:
            workers.close()
        rss_workers = workers.peak_mb
    (t_collect, c_collect), (t_extract, c_extract), (t_grep, c_grep) = (
        best["collect"], best["extract"], best["grep"]
    )

    total = t_collect + t_extract
    print(f"corpus: {n_files} files, {mb:.1f} MB (repeat {args.repeat}); best of {args.runs} "
          f"run(s); "
          f"workers {args.workers}; {report.n_passages} passages, "
          f"{report.n_duplicates} duplicates linked")
    # CPU seconds make the figures comparable on a machine shared with other jobs.
    print(f"{'':9} {'wall s':>8} {'MB/s':>8} {'CPU s':>8} {'MB/CPU-s':>9}")
    for name, wall, cpu in (("collect", t_collect, c_collect), ("extract", t_extract, c_extract),
                            ("end2end", total, c_collect + c_extract), ("grep", t_grep, c_grep)):
        print(f"{name:9} {wall:8.2f} {mb / wall:8.1f} {cpu:8.2f} {mb / max(cpu, 1e-9):9.1f}")
    print(f"ratio     wall: extract/grep {t_extract / t_grep:.1f}x, end2end/grep "
          f"{total / t_grep:.1f}x; CPU: end2end/grep {(c_collect + c_extract) / c_grep:.1f}x")
    if len(end2end) > 1:
        median = statistics.median(end2end)
        runs = ", ".join(f"{t:.2f}" for t in end2end)
        print(f"end2end   median of the {len(end2end)} runs {median:.2f} s ({runs}), "
              f"{mb / median:.1f} MB/s (the table shows each step's best run)")
        # On a shared machine the CPU seconds move too (page cache, neighbours): every run's.
        ratios = sorted(c / g for c, g in zip(end2end_cpu, grep_cpu, strict=True))
        print(f"CPU       end2end/grep of each run {', '.join(f'{r:.1f}x' for r in ratios)}; "
              f"median {statistics.median(ratios):.1f}x, end2end "
              f"{', '.join(f'{c:.2f}' for c in end2end_cpu)} s")
    print(f"peak RSS  driver {rss_self:.0f} MB, largest worker {rss_workers:.0f} MB; "
          f"sampling them cost {workers.overhead:.2f} CPU s in all, left out of the CPU above")
    print(report.stats_table())
    return 0


if __name__ == "__main__":  # the guard matters: worker processes are spawned
    sys.exit(main())
