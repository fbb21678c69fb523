"""Whether the snapshot the report reads is this run's publication, an older one, or missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Publication:
    """The published file and what is known of the publication that wrote it.

    `fresh` is False when the latest attempt to publish (a run that planned `published_marts`)
    is not the run that wrote the file: that run stopped before publishing, so the file still
    holds an earlier snapshot.
    """

    path: Path
    exists: bool
    fresh: bool
    published_at: datetime | None = None
    published_run_id: str | None = None
    failed_run_id: str | None = None

    @property
    def stale(self) -> bool:
        return self.exists and not self.fresh


def file_time(path: Path) -> datetime | None:
    """The file's modification time (the atomic swap sets it), aware UTC."""
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


def judge_publication(
    path: Path,
    *,
    published_run_id: str | None,
    published_at: datetime | None,
    last_attempt_run_id: str | None,
) -> Publication:
    """Compare the run that last published with the run that last tried to.

    - no file: missing;
    - no record of any publication in Dagster (the file came from elsewhere, e.g. tests or a
      restored backup): trusted as fresh, dated by its modification time;
    - last attempt == last publication: fresh;
    - a later attempt exists that did not publish: stale, and that run is named.
    """
    if not path.exists():
        return Publication(path=path, exists=False, fresh=False, failed_run_id=last_attempt_run_id)
    when = published_at or file_time(path)
    if published_run_id is None or last_attempt_run_id in (None, published_run_id):
        return Publication(
            path=path, exists=True, fresh=True, published_at=when, published_run_id=published_run_id
        )
    return Publication(
        path=path,
        exists=True,
        fresh=False,
        published_at=when,
        published_run_id=published_run_id,
        failed_run_id=last_attempt_run_id,
    )
