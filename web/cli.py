"""The `esatis` command line (api-contract.md, "Command line")."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError

from auction.config import Settings, get_settings
from auction.logging import configure_logging

if TYPE_CHECKING:
    from auction.demo import DemoLogin

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

    app = create_app(settings)
    if demo:
        from auction.demo import load_demo

        async def _load() -> None:
            runtime = app.state.runtime
            result = await load_demo(runtime)
            await runtime.db.dispose()
            _print_demo(result.created, result.logins)

        asyncio.run(_load())
    url_host = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host  # noqa: S104
    click.echo(f"\n  esatis is running at  http://{url_host}:{port}/   (API docs: http://{url_host}:{port}/docs)\n",
               err=True)
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True, **UVICORN_WS_OPTIONS)


def _print_demo(created: bool, logins: list[DemoLogin]) -> None:
    click.echo("", err=True)
    click.echo("  Demo data " + ("loaded." if created else "already present."), err=True)
    click.echo("  Demo logins:", err=True)
    for login in logins:
        click.echo(f"    {login.role:8} {login.email:24} {login.password}   {login.note}", err=True)


@cli.command()
def worker() -> None:
    """Run the background workers alone (closer, webhook dispatcher, notifications)."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    from auction.runtime import Runtime
    from workers.runner import run_forever

    asyncio.run(run_forever(Runtime.from_settings(settings)))


@cli.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["bidder", "staff", "manager", "admin"]))
@click.option("--office", "office_code", default=None, help="Office code (required for staff and manager).")
@click.option("--full-name", default=None)
@click.option("--phone", default=None, help="Registered phone (+90…): where one-time codes are sent by SMS.")
def users_create(email: str, password: str, role: str, office_code: str | None, full_name: str | None,
                 phone: str | None) -> None:
    """Create a user."""
    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    from auction import context
    from auction.errors import DomainError
    from auction.runtime import Runtime
    from auction.users import service as user_service
    from auction.users.models import Role

    async def _create() -> int:
        runtime = Runtime.from_settings(settings)
        context.set_context(context.RequestContext(source="cli"))
        try:
            async with runtime.db.session() as session:
                user = await user_service.create_user(
                    session, email=email, password=password, full_name=full_name or email.split("@")[0],
                    role=Role(role), office_code=office_code, identity_verified=role != "bidder",
                    phone=phone)
                return user.id
        finally:
            await runtime.db.dispose()

    try:
        user_id = asyncio.run(_create())
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    click.echo(f"created user {user_id} ({email}, {role})")


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
