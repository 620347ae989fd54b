"""The gateway's settings (config.yml's GATEWAY section), read once at start-up."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from services.runtime.settings import flag, section

from .auth import Limit

# Each budget is a list of (attempts, seconds) windows, short before long, so a client
# that goes over waits a minute at first and longer only if it keeps on (README: "Rate
# limits"). Public forms are counted per form; failed sign-ins per account and address.
DEFAULT_RATE_LIMITS: dict[str, tuple[Limit, ...]] = {
    "login_ip": (Limit(30, 60), Limit(100, 900)),
    "login_email": (Limit(5, 60), Limit(10, 900)),
    "public_form_ip": (Limit(10, 60), Limit(30, 900)),
    "public_form_email": (Limit(3, 60), Limit(6, 900)),
}


def _limits(value: Any) -> tuple[Limit, ...]:
    """`[hits, seconds]` or a list of them."""
    pairs = value if value and isinstance(value[0], (list, tuple)) else [value]
    return tuple(Limit(int(hits), int(seconds)) for hits, seconds in pairs)


@dataclass(frozen=True)
class GatewaySettings:
    max_body_bytes: int = 256 * 1024
    rpc_timeout_seconds: float = 10
    session_hours: float = 12
    setup_link_hours: float = 72
    secure_cookies: bool = False  # true behind HTTPS: session cookies carry the Secure flag
    trusted_proxy_hops: int = 0
    coverage_max_age_seconds: float = 30
    rate_limits: Mapping[str, tuple[Limit, ...]] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    check_rpc: bool = False  # check each call's argument types against its contract (tests)


def from_config(cfg: Mapping[str, Any]) -> GatewaySettings:
    gateway = section(cfg, "GATEWAY")
    defaults = GatewaySettings()
    limits = {name: _limits(value) for name, value in (gateway.get("rate_limits") or {}).items()}

    def number(name: str, kind=float):
        value = gateway.get(name)
        return kind(value) if value not in (None, "") else getattr(defaults, name)

    return GatewaySettings(
        max_body_bytes=number("max_body_bytes", int),
        rpc_timeout_seconds=number("rpc_timeout_seconds"),
        session_hours=number("session_hours"),
        setup_link_hours=number("setup_link_hours"),
        secure_cookies=flag(gateway.get("secure_cookies", False)),
        trusted_proxy_hops=number("trusted_proxy_hops", int),
        coverage_max_age_seconds=number("coverage_max_age_seconds"),
        rate_limits={**DEFAULT_RATE_LIMITS, **limits},
        check_rpc=flag(section(cfg, "RPC").get("check_responses", False)),
    )
