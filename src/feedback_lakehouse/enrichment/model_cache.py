"""Fitted self-trained models kept between runs, so a daily run does not fit them again.

A daily run enriches a few hundred new texts with the self-trained models the stored rows
were labelled with. Without this cache it rebuilds both from their marked rows: it reads
every training text and fits two TF-IDF + logistic regression pipelines, about 2 s at
100,000 records, on the daily run's critical path. With it, the run loads the fitted
models a previous run saved.

A cached model is the one a rebuild would give, or it is not used:
- the file's key is the model's identity (its name, training-set size and hash, as the
  stored rows name it), the settings and rules it was trained under (`salt`), the code
  that fits it (a hash of `selftrain.py` and `selftrain_sentiment.py`) and the versions of
  scikit-learn, numpy, scipy and Python;
- a file that cannot be read, or holds another model, is said in a warning and the model
  is rebuilt from the stored rows as before.

Where (var `offline_model_cache`): `auto` (the default) puts it beside the DuckDB
database, `<database file>.models/` (`data/feedback.duckdb.models/` for the demo); a
path puts it there; `off` turns it off. On Databricks, and for an in-memory DuckDB,
`auto` keeps no cache (a cluster's local disk does not outlive it): models are rebuilt.

The files are pickles, read only from that directory: whoever can write it can write the
database beside it. Each kind keeps its `KEEP` newest files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEEP = 4  # files kept per kind (a retrain writes a new one; older ones are deleted)
# the kinds of model kept (the first part of each file's name)
CATEGORY_KIND = "categories"
SENTIMENT_KIND = "sentiment"
KINDS = (CATEGORY_KIND, SENTIMENT_KIND)
OFF = frozenset({"off", "none", "false", "no", "0", ""})
_CODE = ("selftrain.py", "selftrain_sentiment.py", "word_tokens.py", "model_cache.py")


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("scikit-learn", "numpy", "scipy"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[name] = "none"
    here = Path(__file__).resolve().parent
    code = hashlib.sha256()
    for name in _CODE:
        code.update((here / name).read_bytes())
    found["code"] = code.hexdigest()
    return found


class ModelCache:
    """Fitted models in `directory`, one pickle file per (kind, identity, salt)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._versions = _versions()

    def path(self, kind: str, identity: str, salt: Any) -> Path:
        raw = json.dumps(
            {"kind": kind, "identity": identity, "salt": salt, "versions": self._versions},
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in identity)
        return self.directory / f"{kind}-{safe}-{digest}.pkl"

    def load(self, kind: str, identity: str, salt: Any, cls: type) -> Any | None:
        """The cached model of `identity`, or None (not cached, unreadable, or not a
        `cls` of that identity: said in a warning, then the caller rebuilds it)."""
        path = self.path(kind, identity, salt)
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                model = pickle.load(handle)  # noqa: S301 - our own directory, see the docstring
        except Exception as error:  # a truncated or foreign file: rebuild, never fail
            log.warning("MODEL CACHE: %s could not be read (%s): rebuilt", path, error)
            return None
        if not isinstance(model, cls) or getattr(model, "identity", None) != identity:
            log.warning("MODEL CACHE: %s holds another model than %s: rebuilt", path, identity)
            return None
        with contextlib.suppress(OSError):  # a read-only cache still serves its models
            os.utime(path)  # recently used: kept by `_prune`
        return model

    def save(self, kind: str, identity: str, salt: Any, model: Any) -> None:
        """Write `model` (atomically: a reader sees the old file or the whole new one).
        A cache that cannot be written is said in a warning; the run goes on."""
        path = self.path(kind, identity, salt)
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                pickle.dump(model, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except Exception as error:  # a cache never fails the run: no disk, or no pickle
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            log.warning(
                "MODEL CACHE: could not write %s (%s): the next run fits the model again; "
                "set var offline_model_cache to a writable directory, or off",
                path,
                error,
            )
            return
        self._prune(kind)

    def _prune(self, kind: str) -> None:
        """Keep the `KEEP` most recently used files of `kind` (another run pruning at the
        same time may have deleted some already)."""
        dated = []
        for found in kept_files(self.directory, kind):
            with contextlib.suppress(OSError):
                dated.append((found.stat().st_mtime, found))
        for _, old in sorted(dated, reverse=True)[KEEP:]:
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)


def kept_files(directory: Path | str, kind: str) -> list[Path]:
    """The model files of `kind` in `directory` (the names `ModelCache.path` gives)."""
    return list(Path(directory).glob(f"{kind}-*.pkl"))


def directory_beside(database: Path | str) -> Path:
    """Where `auto` keeps the models of the DuckDB file `database`: `<database>.models/`."""
    return Path(f"{database}.models")


def model_cache(setting: Any, session: Any) -> ModelCache | None:
    """The cache var `offline_model_cache` asks for (see the module docstring)."""
    value = "auto" if setting is None else str(setting).strip()
    if value.lower() in OFF:
        return None
    if value.lower() != "auto":
        return ModelCache(value)
    if not hasattr(session, "execute") or hasattr(session, "sparkContext"):
        return None  # Databricks: no lasting local disk
    try:
        found = session.execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchall()
    except Exception as error:  # another engine behind the connection: no cache, said
        log.warning("MODEL CACHE: off, the database file is unknown (%s)", error)
        return None
    if not found or not found[0][0]:
        return None  # an in-memory database
    return ModelCache(directory_beside(found[0][0]))
