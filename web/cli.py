"""The `esatis` command line (docs/api-contract.md, "Command line")."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click
from pydantic import ValidationError

from auction.config import Settings, get_settings
from auction.logging import configure_logging

# Each command imports the app, the migrations or the engine when it runs, not here: `esatis --help` and
# `esatis distribute` must not pay for loading the web app, its workers and the database layer.


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(e.get("msg", e)) for e in exc.errors())
        raise click.ClickException(f"refusing to start: {problems}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """esatis: electronic enforcement auctions (e-satış)."""


@cli.command()
def migrate() -> None:
    """Upgrade the database schema to the newest version (alembic upgrade head)."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    from auction.migrate import upgrade

    upgrade(settings.database_url)
    click.echo("database is at the newest schema")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load demo data once and print the demo logins.")
@click.option("--log-format", type=click.Choice(["json", "console"]), default=None)
def serve(host: str, port: int, demo: bool, log_format: str | None) -> None:
    """Migrate, then run the web app (and the workers unless ESATIS_WORKERS=external)."""
    import uvicorn

    settings = _settings()
    # A demo is watched by a person in a terminal: readable lines unless asked otherwise.
    configure_logging(settings.log_level, log_format or ("console" if demo else settings.log_format))
    from auction.migrate import upgrade

    upgrade(settings.database_url)
    from web.app import UVICORN_WS_OPTIONS, create_app

    url_host = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host  # noqa: S104
    if settings.public_url is None and settings.env != "production":
        # Links in e-mails and webhooks then point at this server, on whatever port it was given.
        settings = settings.model_copy(update={"public_url": f"http://{url_host}:{port}"})
    app = create_app(settings)
    demo_result: Any = None
    if demo:
        from auction.demo import load_demo

        async def _load() -> Any:
            runtime = app.state.runtime
            result = await load_demo(runtime)
            await runtime.db.dispose()
            return result

        demo_result = asyncio.run(_load())
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, proxy_headers=True,
                                           **UVICORN_WS_OPTIONS))

    async def _serve() -> None:
        # The banner comes once the server listens, after the start-up lines, so that the URL and the
        # logins are the last thing on the screen (issue 17).
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn offers a flag, no event
            await asyncio.sleep(0.05)
        if server.started:
            if settings.workers == "inprocess":
                await _start_up_work_settled(app, task)
            _print_banner(url_host, port, settings.ruleset, demo_result)
        await task

    asyncio.run(_serve())


async def _start_up_work_settled(app: Any, task: Any, limit_s: float = 15.0) -> None:
    """Wait (at most `limit_s`) until the in-process workers have relayed the outbox and sent the messages
    that were due at start-up (the demo's staged history writes dozens): their log lines come first, the
    banner after them."""
    from sqlalchemy import func, or_, select

    from auction.clock import now
    from auction.events.models import OutboxEvent
    from auction.notifications.models import OutboundMessage

    loop = asyncio.get_running_loop()
    deadline, quiet = loop.time() + limit_s, 0
    while loop.time() < deadline and not task.done() and quiet < 2:
        async with app.state.runtime.db.session() as s:
            events = await s.scalar(select(func.count()).select_from(OutboxEvent)
                                    .where(OutboxEvent.relayed_at.is_(None)))
            messages = await s.scalar(select(func.count()).select_from(OutboundMessage).where(
                OutboundMessage.status.in_(["pending", "sending"]),
                or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now())))
        quiet = quiet + 1 if not events and not messages else 0
        await asyncio.sleep(0.5)


def _print_banner(url_host: str, port: int, ruleset: str, demo_result: Any) -> None:
    lines = [""]
    if ruleset == "demo":
        lines.append("  Ruleset: demo — the law's rules with short durations (rounds of minutes, 60 s periods).")
    else:
        lines.append("  Ruleset: law — rounds last days as the law says. For rounds of a few minutes:")
        lines.append("           ESATIS_RULESET=demo ./esatis serve --demo")
    if demo_result is not None:
        lines.append("  Demo data " + ("loaded." if demo_result.created else "already present.") + " Demo logins:")
        lines += [f"    {login.role:8} {login.email:24} {login.password}   {login.note}"
                  for login in demo_result.logins]
    lines.append(f"\n  esatis is running at  http://{url_host}:{port}/   (API docs: http://{url_host}:{port}/docs)\n")
    click.echo("\n".join(lines), err=True)


def _names(value: str | None) -> frozenset[str]:
    return frozenset(n.strip() for n in (value or "").split(",") if n.strip())


@cli.command()
@click.option("--only", default=None, metavar="NAMES",
              help="Run only these workers (comma-separated, e.g. closer), for a process of their own.")
@click.option("--skip", default=None, metavar="NAMES", help="Run every worker but these (comma-separated).")
def worker(only: str | None, skip: str | None) -> None:
    """Run the background workers alone (closer, refunds, documents, outbox relay, webhook dispatcher,
    notifications …): all of them, or a part with --only / --skip (docs/scaling.md)."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    from auction.runtime import Runtime
    from workers.registry import select_workers
    from workers.runner import run_forever

    runtime = Runtime.from_settings(settings)
    try:
        chosen = select_workers(runtime, only=_names(only), skip=_names(skip))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    asyncio.run(run_forever(runtime, chosen))


@cli.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["bidder", "staff", "manager", "admin", "party"]))
@click.option("--office", "office_code", default=None, help="Office code (required for staff and manager).")
@click.option("--full-name", default=None)
@click.option("--phone", default=None, help="Registered phone (+90…): where one-time codes are sent by SMS.")
def users_create(email: str, password: str, role: str, office_code: str | None, full_name: str | None,
                 phone: str | None) -> None:
    """Create a user."""
    from auction.users import service as user_service
    from auction.users.models import Role

    async def _create(session: Any) -> str:
        user = await user_service.create_user(
            session, email=email, password=password, full_name=full_name or email.split("@")[0],
            role=Role(role), office_code=office_code, identity_verified=role != "bidder", phone=phone)
        return f"created user {user.id} ({email}, {role})"

    click.echo(_run_in_session(_create))


@cli.group()
def offices() -> None:
    """Manage icra daireleri (offices)."""


@offices.command("create")
@click.option("--code", required=True, help="Short code, e.g. IST-12 (staff are created with --office CODE).")
@click.option("--name", required=True, help="e.g. 'İstanbul 12. İcra Dairesi'")
@click.option("--city", required=True)
@click.option("--sales-bureau", default=None,
              help="Name of its satış bürosu (default: '<name> Satış İşlemleri Bürosu').")
@click.option("--iban", default=None, help="The office's account for teminat and prices (TR…).")
def offices_create(code: str, name: str, city: str, sales_bureau: str | None, iban: str | None) -> None:
    """Create an office."""
    from auction.users import service as user_service

    async def _create(session: Any) -> str:
        office = await user_service.create_office(session, code=code, name=name, city=city,
                                                  sales_bureau_name=sales_bureau, iban=iban)
        return f"created office {office.code} ({office.name}, {office.city})"

    click.echo(_run_in_session(_create))


@offices.command("list")
def offices_list() -> None:
    """List the offices."""
    from auction.users import service as user_service

    async def _list(session: Any) -> str:
        rows = await user_service.list_offices(session)
        if not rows:
            return "no offices yet: esatis offices create --code C --name N --city X"
        return "\n".join(f"{o.code}\t{o.name}\t{o.city}\t{o.sales_bureau_name}\t{o.iban or '-'}" for o in rows)

    click.echo(_run_in_session(_list))


def _run_in_session(fn: Callable[[Any], Awaitable[str]]) -> str:
    """Run one service call in its own transaction for a CLI command; a domain error is a clear message."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    from auction import context
    from auction.errors import DomainError
    from auction.runtime import Runtime

    async def _go() -> str:
        runtime = Runtime.from_settings(settings)
        context.set_context(context.RequestContext(source="cli"))
        try:
            async with runtime.db.session() as session:
                return await fn(session)
        finally:
            await runtime.db.dispose()

    try:
        return asyncio.run(_go())
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None


@cli.group()
def ledger() -> None:
    """The bid ledger: the receipts' hash chain of every lot (auction/bidding/ledger.py)."""


@ledger.command("verify")
@click.argument("lot", type=click.IntRange(min=1, max=2**62), required=False)
def ledger_verify(lot: int | None) -> None:
    """Walk the chain of LOT (or of every lot) against the audit log, the live events and the rounds;
    name every edited, deleted or reordered bid. Exit 1 if anything is wrong."""
    from auction.bidding import ledger as bid_ledger

    failed = {"any": False}

    async def _verify(session: Any) -> str:
        lines = []
        for result in await bid_ledger.verify(session, lot):
            verdict = "ok" if result.ok else f"{len(result.problems)} problem(s)"
            lines.append(f"lot {result.lot_id}: {len(result.bids)} bids, final hash {result.final_hash}: {verdict}")
            for p in result.problems:
                where = f"bid {p.bid_id} (seq {p.seq})" if p.bid_id is not None else (
                    f"seq {p.seq}" if p.seq is not None else "lot")
                lines.append(f"  {p.kind}: {where}: {p.detail}")
            failed["any"] = failed["any"] or not result.ok
        return "\n".join(lines) if lines else "no lots with rounds"

    click.echo(_run_in_session(_verify))
    if failed["any"]:
        sys.exit(1)


@cli.command()
@click.argument("case_file", type=click.Path(dir_okay=False, allow_dash=True))
def distribute(case_file: str) -> None:
    """Compute a distribution (sıra cetveli) for CASE_FILE (JSON); result on stdout, errors exit 2."""
    from auction.distribution.service import run_cli
    from auction.rules.policy import make_policy

    # The open-point choices of this deployment (ESATIS_POLICY_FILE) apply to the CLI as to the API.
    policy_file = _settings().policy_file
    sys.exit(run_cli(case_file, sys.stdout, sys.stderr, policy=make_policy(policy_file)))


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
