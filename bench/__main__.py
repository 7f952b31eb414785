"""Run benchmarks: ``python -m bench [MODULE ...] [--scale 0.1]``.

Without module names every ``bench/bench_*.py`` runs. ``--scale`` multiplies
every size (0.1 for a quick look; the figures in docs are at scale 1).

Some benchmarks compare with peer libraries of the ``bench`` extra
(``pip install -e '.[bench]'``: sepaxml and its validator xmlschema); a module
whose case cannot run is reported with the extra to install, the other modules
still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import pkgutil
import sys
from pathlib import Path

from bench._harness import BenchFailure, run_stages


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("modules", nargs="*", help="e.g. bench_model (default: all)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    here = str(Path(__file__).parent)
    names = args.modules or sorted(
        m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_")
    )
    failed = []
    for name in names:
        print(f"\n== {name}")
        try:
            run_stages(f"bench.{name}", scale=args.scale)
        except BenchFailure as exc:
            print(f"!! {exc}", file=sys.stderr, flush=True)
            failed.append(name)
    if failed:
        print(
            f"\n{len(failed)} benchmark module(s) did not run: {', '.join(failed)}", file=sys.stderr
        )
        raise SystemExit(1)


if __name__ == "__main__":
    main()
