"""Command line of the demo-data simulator (`python -m orchestration.simulator`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.console import command_logger
from orchestration.simulator.engine import SimulationError
from orchestration.simulator.runner import LandingNotEmptyError, simulate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callfunnel-simulate",
        description="Write deterministic demo data (calls, number registry, CRM leads and status "
        "changes, ad costs) into the landing folder, ending with the last complete week before "
        "CALLFUNNEL_AS_OF.",
    )
    parser.add_argument("--weeks", type=int, default=12, help="number of weeks (default 12)")
    parser.add_argument(
        "--calls-per-week", type=int, default=3000, help="calls in each week (default 3000)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--clean", action="store_true", help="plant no faults (no rejects, duplicates or gaps)"
    )
    parser.add_argument(
        "--landing", type=Path, default=None, help="landing folder (default CALLFUNNEL_LANDING_DIR)"
    )
    parser.add_argument(
        "--as-of",
        default=None,
        help="ISO date or timestamp treated as now (default CALLFUNNEL_AS_OF, else the clock)",
    )
    parser.add_argument(
        "--timezone", default=None, help="business time zone (default CALLFUNNEL_TIMEZONE)"
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="empty the five source folders of a landing folder that already holds files",
    )
    parser.add_argument(
        "--callers",
        type=int,
        default=0,
        help="draw new callers from a fixed pool of this many people (default 0: no pool)",
    )
    parser.add_argument(
        "--append-week",
        action="store_true",
        help="add the week after the landing's last one, leaving earlier files untouched "
        "(pass the first run's --calls-per-week, --seed, --callers and --clean)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator from the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    say = command_logger("callfunnel-simulate")
    try:
        result = simulate(
            landing_dir=args.landing,
            weeks=args.weeks,
            calls_per_week=args.calls_per_week,
            seed=args.seed,
            as_of=args.as_of,
            timezone=args.timezone,
            clean=args.clean,
            overwrite=args.overwrite,
            callers=args.callers,
            append_week=args.append_week,
        )
    except (LandingNotEmptyError, SimulationError, ValueError) as exc:
        say.error(exc)
        return 2
    cal = result.calendar
    mode = "clean" if result.clean else "with planted faults"
    say.info(
        f"wrote {cal.weeks} weeks ({cal.first_monday} to {cal.last_sunday}, {mode}) "
        f"to {result.landing_dir}"
    )
    for line in result.summary_lines():
        say.info(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
