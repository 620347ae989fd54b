"""Loading `config.yml` outside `nameko run` (CLI commands, migrations, tests).

Inside a service, nameko's global `config` already holds the same mapping.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nameko import config as nameko_config
from nameko.cli.utils.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = Path(os.environ.get("NIOT_CONFIG", PROJECT_ROOT / "config.yml"))


def read_config(path: str | os.PathLike | None = None) -> dict[str, Any]:
    with open(path or DEFAULT_CONFIG) as handle:
        return load_config(handle)


def current() -> dict[str, Any]:
    """The active nameko config, or config.yml when no service has set one."""
    return dict(nameko_config) if nameko_config else read_config()


def db_uri(service: str, cfg: dict[str, Any] | None = None) -> str:
    cfg = cfg or current()
    try:
        uri = cfg["DB_URIS"][service]
    except KeyError:
        raise KeyError(f"config has no DB_URIS entry for service {service!r}") from None
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        # Relative SQLite paths are relative to the project, not the caller's directory.
        relative = uri[len("sqlite:///"):]
        path = PROJECT_ROOT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{path}"
    return uri


def messaging(cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    cfg = cfg or current()
    defaults = {"quorum_queues": False, "retry_delays": [1, 5, 30, 120],
                "outbox_sweep_seconds": 5, "outbox_linger_ms": 5, "timer_seconds": 10}
    return {**defaults, **(cfg.get("MESSAGING") or {})}
