"""Serving with several worker processes (`serve --workers N`): the API's CPU work is Python, bound by one
process's GIL, so a server that should use more than one core runs more than one process (uvicorn's supervisor
starts them; they share the listening socket, and each of a till's two batches in flight usually reaches another
one). What one process would do for itself — decode a batch, hash and check its bodies — then runs beside another
process's write; writes still go one at a time (`ServerDatabase.write`: PostgreSQL's counter-row lock, SQLite's
write lock with a file lock of ours in front of it, `server.db`), and a batch that reaches a process before the batch
it follows was applied waits for it (`server.push`).

Each worker is made by `app()` from the `serve` command line the supervisor was given (in `MEMBERDESK_SERVE`, as
JSON): the same database, limits and logging as a single process. Limits that count requests in memory (rates, in
flight, enrolment lockouts) are per process: with N workers a device may get up to N times its rate
(docs/operations.md).

Thread: a worker process's start (uvicorn calls `app` once per worker).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Final

from fastapi import FastAPI

ENVIRONMENT: Final = "MEMBERDESK_SERVE"


def app() -> FastAPI:
    """The API of one worker process, from the `serve` arguments in the environment."""
    from server.app import create_app
    from server.cli import open_database, serve_arguments, serve_limits, tune_collector
    from server.limits import Limiter

    args = serve_arguments(json.loads(os.environ[ENVIRONMENT]))
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = open_database(args.db)
    tune_collector()
    return create_app(db, Limiter(serve_limits(args)))
