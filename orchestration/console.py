"""What the command-line tools say: results on stdout, problems on stderr, through logging."""

from __future__ import annotations

import logging
import sys


def command_logger(prog: str) -> logging.Logger:
    """The logger of one command's own output.

    INFO lines go to stdout as they are (they are the command's result: paths, counts, the run
    summary); WARNING and above go to stderr, prefixed with the program's name. The handlers are
    set up afresh on each call, on the streams of that moment, so a redirected or captured stdout
    is honoured; nothing propagates to the root logger, where Dagster and dbt log.
    """
    logger = logging.getLogger(f"callfunnel.command.{prog}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    results = logging.StreamHandler(sys.stdout)
    results.setLevel(logging.INFO)
    results.addFilter(lambda record: record.levelno < logging.WARNING)
    results.setFormatter(logging.Formatter("%(message)s"))
    problems = logging.StreamHandler(sys.stderr)
    problems.setLevel(logging.WARNING)
    problems.setFormatter(logging.Formatter(f"{prog}: %(message)s"))
    logger.addHandler(results)
    logger.addHandler(problems)
    return logger
