"""`niot`: the operator's command line (migrations, topology, dead letters, running)."""
from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from services.runtime import topology  # noqa: E402
from services.runtime.config import DEFAULT_CONFIG, db_uri, messaging, read_config  # noqa: E402
from services.runtime.migrate import SERVICES_DIR, alembic_config, upgrade  # noqa: E402

from .system import SERVICES  # noqa: E402


def services_with_migrations() -> list[str]:
    return [s for s in SERVICES if (SERVICES_DIR / s / "migrations" / "env.py").exists()]


def cmd_migrate(args, cfg) -> int:
    for service in args.services or services_with_migrations():
        upgrade(service, db_uri(service, cfg))
        print(f"{service}: database at head")
    return 0


def cmd_makemigration(args, cfg) -> int:
    """Autogenerate a revision by comparing the models with a scratch database at head."""
    from alembic import command

    from services.runtime.db import make_engine

    with tempfile.TemporaryDirectory() as scratch:
        uri = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        upgrade(args.service, uri)
        engine = make_engine(uri)
        with engine.begin() as connection:
            command.revision(alembic_config(args.service, connection), message=args.message,
                             autogenerate=True, rev_id=args.rev_id)
        engine.dispose()
    return 0


def cmd_topology(args, cfg) -> int:
    settings = messaging(cfg)
    for line in topology.declare(cfg["AMQP_URI"], retry_delays=settings["retry_delays"],
                                 quorum=bool(settings["quorum_queues"])):
        print(f"declared {line}")
    return 0


def cmd_dead_letters(args, cfg) -> int:
    from services.runtime import deadletters

    if args.action == "list":
        letters = deadletters.list_dead_letters(cfg["AMQP_URI"], args.service or None)
        if args.json:
            print(json.dumps([letter.to_dict() for letter in letters], indent=2))
        elif not letters:
            print("no dead letters")
        for letter in letters if not args.json else []:
            first_line = letter.error.strip().splitlines()[-1] if letter.error.strip() else ""
            print(f"{letter.service}  {letter.message_id}  {letter.event_type}  attempts={letter.attempts}  "
                  f"failed_at={letter.failed_at}\n    {first_line}")
        return 0
    if not args.service or len(args.service) != 1:
        print("replay needs exactly one --service", file=sys.stderr)
        return 2
    replayed = deadletters.replay(cfg["AMQP_URI"], args.service[0], args.id or None)
    print(f"replayed {len(replayed)} message(s) to {args.service[0]}")
    return 0


def cmd_calendar_replies(args, cfg) -> int:
    """The calendar replies screenings kept, newest first, with what became of each."""
    from nameko.standalone.rpc import ClusterRpcClient

    from services.contracts import rpc as contracts

    call = ({"role": "manager"}, args.outcome, args.limit)
    contracts.bind("screenings", "calendar_replies", call, check_types=True)
    with ClusterRpcClient(uri=cfg["AMQP_URI"], timeout=30) as client:
        replies = client.screenings.calendar_replies(*call)
    if args.json:
        print(json.dumps(replies, indent=2))
    elif not replies:
        print("no calendar replies" + (f" {args.outcome}" if args.outcome else ""))
    for reply in replies if not args.json else []:
        answer = f" {reply['answer']}" if reply["answer"] else ""
        print(f"{reply['received_at']}  {reply['outcome']}{answer}  {reply['attendee'] or '-'}  "
              f"{reply['client'] or '-'}\n    {reply['reason'] or 'applied to RSVP ' + str(reply['rsvp_id'])}")
    return 0


def cmd_demo_data(args, cfg) -> int:
    from .demo import load_if_empty

    if load_if_empty(cfg, force=args.force):
        print("demo data loaded")
    else:
        print("the roster already has leaders; nothing loaded (use --force to add the demo data anyway)")
    return 0


def cmd_run(args, cfg) -> int:
    from .launcher import run

    services = [s for s in SERVICES if (SERVICES_DIR / s / "service.py").exists()]
    return run(cfg, services, config_file=Path(args.config or DEFAULT_CONFIG), demo_data=args.demo_data)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="niot", description=__doc__)
    parser.add_argument("--config", help="config file (default: config.yml of the project)")
    sub = parser.add_subparsers(dest="command", required=True)

    migrate = sub.add_parser("migrate", help="bring each service's database to the newest schema")
    migrate.add_argument("services", nargs="*", choices=[[], *SERVICES], metavar="SERVICE")
    migrate.set_defaults(func=cmd_migrate)

    make = sub.add_parser("makemigration", help="autogenerate a migration from a service's models")
    make.add_argument("service", choices=SERVICES)
    make.add_argument("-m", "--message", required=True)
    make.add_argument("--rev-id")
    make.set_defaults(func=cmd_makemigration)

    topo = sub.add_parser("topology", help="declare exchanges and queues from the event registry")
    topo.set_defaults(func=cmd_topology)

    dead = sub.add_parser("dead-letters", help="list or replay messages that failed for good")
    dead.add_argument("action", choices=["list", "replay"])
    dead.add_argument("--service", action="append", help="a consuming service (repeatable)")
    dead.add_argument("--id", action="append", help="replay only this message id (repeatable)")
    dead.add_argument("--json", action="store_true")
    dead.set_defaults(func=cmd_dead_letters)
    replies = sub.add_parser("calendar-replies", help="answers from invitees' calendars and what became of each")
    replies.add_argument("--outcome", choices=["applied", "unchanged", "refused"])
    replies.add_argument("--limit", type=int, default=50)
    replies.add_argument("--json", action="store_true")
    replies.set_defaults(func=cmd_calendar_replies)

    demo_data = sub.add_parser("demo-data", help="load the demo data into the running system")
    demo_data.add_argument("--force", action="store_true", help="even if the roster already has leaders")
    demo_data.set_defaults(func=cmd_demo_data)

    run = sub.add_parser("run", help="run the whole system here: every service, the gateway, a mail sink")
    demo = run.add_mutually_exclusive_group()
    demo.add_argument("--demo-data", dest="demo_data", action="store_true", default=None,
                      help="load the demo data even if the roster is not empty")
    demo.add_argument("--no-demo-data", dest="demo_data", action="store_false",
                      help="do not load demo data on the first start")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = read_config(args.config)
    return args.func(args, cfg)


if __name__ == "__main__":
    sys.exit(main())
