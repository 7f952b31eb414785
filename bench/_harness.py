"""Benchmark harness: every case runs in a fresh process, beside its floor.

A *stage* pairs the library's way of doing some work with a *floor*, the same
work done by the simplest possible code (or by a peer library). Both run in the
same invocation, each in its own child process so that peak memory (the
child's maximum resident set size) belongs to that case alone. The runner
prints items per second, the ratio ours/floor of the times, the peak memory of
the process (``MB``, the prepared input included) and the peak memory the work
added above what the process held just before it ran (``+MB``, Linux only: the
memory the work itself needed, the caller's input not counted).

A bench module defines ``STAGES: list[Stage]``; each ``Stage`` names two
*prepare* functions ``prepare(n) -> run``: ``prepare`` builds the input (not
timed) and returns ``run``, a callable that does the work and returns the
number of items it handled (timed).
"""

from __future__ import annotations

import gc
import importlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["OPTIONAL_MODULES", "BenchFailure", "Measurement", "Stage", "main", "run_stages"]

Prepare = Callable[[int], Callable[[], int]]

#: Modules some benchmarks need, and the extra of ningxia-yikatong that installs them.
OPTIONAL_MODULES = {
    "sepaxml": "bench",
    "xmlschema": "bench",
    "elementpath": "bench",
    "segno": "qr",
    "sqlalchemy": "ledger",
    "alembic": "ledger",
    "psycopg": "postgres",
    "click": "cli",
    "rich": "cli",
}
#: Exit status of a child whose benchmark needs a module that is not installed.
_MISSING_STATUS = 3


class BenchFailure(Exception):
    """A benchmark case could not run; the message says why and what to do."""


@dataclass(frozen=True)
class Stage:
    """One piece of work measured against its floor."""

    name: str
    ours: Prepare
    floor: Prepare
    sizes: Sequence[int] = (1_000_000,)
    floor_label: str = "floor"


@dataclass(frozen=True)
class Measurement:
    items: int
    seconds: float
    peak_mb: float
    #: Peak resident memory while the work ran, above what the process held just
    #: before it (the prepared input): the memory the work itself needed.
    work_mb: float = float("nan")

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else float("inf")


def _peak_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    """VmRSS or VmHWM of this process in MB (Linux); NaN elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _reset_high_water_mark() -> bool:
    """Reset VmHWM to the current RSS (Linux: ``5`` to ``/proc/self/clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def measure_here(prepare: Prepare, n: int) -> Measurement:
    """Prepare and time one case in this process."""
    run = prepare(n)
    gc.collect()
    reset = _reset_high_water_mark()
    before = _status_mb("VmRSS")
    start = time.perf_counter()
    items = run()
    seconds = time.perf_counter() - start
    work = _status_mb("VmHWM") - before if reset else float("nan")
    return Measurement(items, seconds, _peak_mb(), work)


def _child(module: str, index: int, which: str, n: int) -> None:
    try:
        stage = importlib.import_module(module).STAGES[index]
        m = measure_here(stage.ours if which == "ours" else stage.floor, n)
    except ModuleNotFoundError as exc:
        print(json.dumps({"missing": exc.name}))
        raise SystemExit(_MISSING_STATUS) from None
    print(
        json.dumps(
            {"items": m.items, "seconds": m.seconds, "peak_mb": m.peak_mb, "work_mb": m.work_mb}
        )
    )


def measure_in_child(module: str, index: int, which: str, n: int) -> Measurement:
    """Run one case in a fresh interpreter and read back its figures.

    A case that fails raises :class:`BenchFailure`: for a module that is not
    installed, naming the extra that installs it; otherwise with the end of the
    child's error output.
    """
    done = subprocess.run(
        [sys.executable, "-m", "bench._harness", module, str(index), which, str(n)],
        check=False,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode == _MISSING_STATUS and lines:
        missing = json.loads(lines[-1]).get("missing") or "?"
        top = missing.split(".")[0]
        extra = OPTIONAL_MODULES.get(top)
        hint = (
            f"install the '{extra}' extra: pip install -e '.[{extra}]'"
            if extra
            else f"install {top}"
        )
        raise BenchFailure(
            f"{module} ({which}) needs the module {missing!r}, not installed: {hint}"
        )
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise BenchFailure(
            f"{module} stage {index} ({which}, n={n}) failed with status {done.returncode}:\n{tail}"
        )
    data = json.loads(lines[-1])
    return Measurement(data["items"], data["seconds"], data["peak_mb"], data["work_mb"])


def run_stages(module: str, *, scale: float = 1.0) -> list[str]:
    """Run every stage of ``module`` and return the printed table's lines."""
    stages: list[Stage] = importlib.import_module(module).STAGES
    lines = []
    header = (
        f"{'stage':<44} {'items':>9} {'ours/s':>11} {'floor/s':>11} {'ratio':>6} "
        f"{'ours MB':>8} {'floor MB':>9} {'ours +MB':>9} {'floor +MB':>10}  floor"
    )
    print(header)
    lines.append(header)
    for index, stage in enumerate(stages):
        for size in stage.sizes:
            n = max(1, int(size * scale))
            ours = measure_in_child(module, index, "ours", n)
            floor = measure_in_child(module, index, "floor", n)
            ratio = ours.seconds / floor.seconds if floor.seconds else float("inf")
            line = (
                f"{stage.name:<44} {n:>9,} {ours.rate:>11,.0f} {floor.rate:>11,.0f} "
                f"{ratio:>5.2f}x {ours.peak_mb:>8,.0f} {floor.peak_mb:>9,.0f} "
                f"{ours.work_mb:>9,.0f} {floor.work_mb:>10,.0f}  {stage.floor_label}"
            )
            print(line, flush=True)
            lines.append(line)
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Child-process entry: ``python -m bench._harness MODULE INDEX ours|floor N``."""
    args = list(sys.argv[1:] if argv is None else argv)
    module, index, which, n = args
    _child(module, int(index), which, int(n))


if __name__ == "__main__":
    main()
