"""Operator commands for the gateway's accounts, run beside the deployment:

    python -m services.gateway.admin create-manager EMAIL --name "Full Name"
        asks for a password (twice) and creates a program manager account;
    python -m services.gateway.admin create-manager EMAIL --name "Full Name" --link
        creates it without a password and prints a one-time set-up link instead.
"""
from __future__ import annotations

import argparse
import getpass
import sys
from datetime import timedelta

from services.runtime import clock
from services.runtime.config import db_uri, read_config
from services.runtime.db import Transactions, make_engine, session_factory
from services.runtime.errors import DomainError
from services.runtime.migrate import upgrade

from . import app, auth

DEFAULT_LINK_HOURS = 72


def create_manager(args, cfg) -> int:
    uri = db_uri("gateway", cfg)
    upgrade("gateway", uri)
    password = None
    if not args.link:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("the passwords differ", file=sys.stderr)
            return 2
    engine = make_engine(uri)
    unit = Transactions(session_factory(engine))
    now = clock.now()
    try:
        with unit.transaction() as session:
            account = app.create_account(session, email=args.email, name=args.name, role="manager",
                                         password=password, now=now)
            link = None
            if args.link:
                hours = float((cfg.get("GATEWAY") or {}).get("setup_link_hours", DEFAULT_LINK_HOURS))
                token = auth.issue_setup_token(session, account, now, timedelta(hours=hours))
                base = str(cfg.get("PUBLIC_BASE_URL", "")).rstrip("/")
                link = f"{base}{app.SETUP_PATH}?token={token}"
    except DomainError as exc:
        print(f"{exc.field or 'error'}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        unit.close()
        engine.dispose()
    print(f"program manager account {account.id} created for {account.email}")
    if link:
        print(f"set-up link (single use, expires in {hours:g} h): {link}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.gateway.admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", help="config file (default: config.yml of the project)")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-manager", help="create a program manager account")
    create.add_argument("email")
    create.add_argument("--name", required=True)
    create.add_argument("--link", action="store_true", help="print a set-up link instead of asking for a password")
    create.set_defaults(func=create_manager)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args, read_config(args.config))


if __name__ == "__main__":
    sys.exit(main())
