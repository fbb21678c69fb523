"""Bench child process: one Dagster materialisation with its step times, as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def stage_of(step_key: str) -> str:
    """The bench stage a Dagster step belongs to."""
    key = step_key.lower()
    if "dbt" in key:
        return "dbt_build"
    if "ingest" in key or key.startswith("raw"):
        return "ingest"
    if "publish" in key:
        return "publish"
    if "report" in key:
        return "report"
    return "checks"


def main(out: Path) -> int:
    """Materialise everything in this process and write step and stage wall times to `out`."""
    started = time.perf_counter()
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    imported = time.perf_counter()
    job = defs.resolve_job_def("materialize_everything")
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    instance = DagsterInstance.get()
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
    finished = time.perf_counter()
    steps = {
        stat.step_key: (stat.end_time or 0.0) - (stat.start_time or 0.0)
        for stat in instance.get_run_step_stats(result.run_id)
    }
    stages: dict[str, float] = {}
    for key, seconds in steps.items():
        stages[stage_of(key)] = stages.get(stage_of(key), 0.0) + seconds
    out.write_text(
        json.dumps(
            {
                "success": result.success,
                "import_s": imported - started,
                "execute_s": finished - imported,
                "steps": steps,
                "stages": stages,
            },
            indent=2,
        )
    )
    return 0  # a failed check is data, not a bench failure; `success` records it


if __name__ == "__main__":
    from orchestration.cli import exit_without_final_collection

    # Ends the way the `callfunnel` command ends, so the bench times what a user's run costs.
    exit_without_final_collection(main(Path(sys.argv[1])))
