"""A durable local cache of answered enrichments, so a crash loses no paid-for answer.

One SQLite file (stdlib `sqlite3`), one row per enrichment key, written (and committed)
as soon as the answer has been validated. The next run reads answered keys from here
instead of calling the model again. Only answers that validated (`ok`, `needs_review`)
are kept: a failure (even a content filter or a refusal) or a deferred row is never
written, and one found in a file written by an older version is ignored, so a re-run or
`--full-refresh` asks the model again instead of replaying it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from feedback_lakehouse.contracts import EnrichedRecord, Status

ANSWERED = frozenset({Status.ok.value, Status.needs_review.value})

_SCHEMA = """
create table if not exists enrichment_cache (
    enrichment_key text primary key,
    record_json text not null,
    status text not null,
    written_at text not null
)
"""


class CacheError(RuntimeError):
    """The cache file cannot be opened or written."""


class EnrichmentCache:
    """Thread-safe key -> EnrichedRecord store in a SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._conn.execute("pragma journal_mode=wal")
            self._conn.execute("pragma synchronous=normal")
            self._conn.execute(_SCHEMA)
            self._conn.commit()
        except sqlite3.Error as exc:
            raise CacheError(
                f"cannot open the enrichment cache {self.path}: {exc}; "
                "check the folder is writable or set cache_path to another file"
            ) from exc
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[str]) -> dict[str, EnrichedRecord]:
        wanted = list(dict.fromkeys(keys))
        found: dict[str, EnrichedRecord] = {}
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "select enrichment_key, record_json from enrichment_cache "
                    f"where enrichment_key in ({marks})",
                    chunk,
                ).fetchall()
                for key, payload in rows:
                    record = EnrichedRecord.model_validate_json(payload)
                    if _status(record) in ANSWERED:
                        found[key] = record
        return found

    def put(self, record: EnrichedRecord) -> None:
        """Keep a validated answer; anything else is refused (it must be asked again)."""
        if _status(record) not in ANSWERED:
            raise CacheError(
                f"only validated answers are cached, not a {_status(record)} row "
                f"({record.enrichment_key}): this is a bug, report it"
            )
        now = datetime.now(timezone.utc).isoformat()
        with self._lock:
            try:
                self._conn.execute(
                    "insert or replace into enrichment_cache values (?, ?, ?, ?)",
                    (record.enrichment_key, record.model_dump_json(), _status(record), now),
                )
                self._conn.commit()
            except sqlite3.Error as exc:
                raise CacheError(
                    f"cannot write the enrichment cache {self.path}: {exc}; "
                    "free disk space or set cache_path to another file"
                ) from exc

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("select count(*) from enrichment_cache").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _status(record: EnrichedRecord) -> str:
    return str(getattr(record.status, "value", record.status))
