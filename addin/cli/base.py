"""What every `okr` command shares: the `okr` group, errors as one line and exit code 2, the
configuration and the database, reading an input file, printing findings, the audit trail."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from addin.config import Config, clock, load_dotenv
from addin.errors import OkrError

if TYPE_CHECKING:  # the commands import their modules when they run (a quick `okr --help`)
    from addin.okr.model import Finding
    from addin.store.db import Database, Session

EXIT_FINDINGS = 1
EXIT_INVALID = 2


def _fail(message: str, code: int = EXIT_INVALID) -> None:
    click.echo(f"okr: {message}", err=True)
    sys.exit(code)


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's errors into one line on stderr and exit code 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except OkrError as exc:
            where = ", ".join(f"{k} {v}" for k, v in exc.details.items() if k in ("sheet", "cell", "row", "field"))
            _fail(f"{exc.message}" + (f" ({where})" if where else "") + f" [{exc.code}]")

    return wrapper


def _now() -> dt.datetime:
    return clock()


def _config() -> Config:
    load_dotenv()
    return Config.from_env()


def _database(config: Config) -> Database:
    from addin.store.db import Database

    config.instance_path.mkdir(parents=True, exist_ok=True)
    db = Database(config.database_url)
    click.get_current_context().call_on_close(db.dispose)  # no connection outlives the command
    db.create_schema()
    return db


def _read_file(path: Path, config: Config) -> bytes:
    size = path.stat().st_size
    if size > config.max_upload_bytes:
        raise OkrError(
            f"{path.name} is {size // (1024 * 1024)} MB, over the {config.max_upload_bytes // (1024 * 1024)} MB limit.",
            code="workbook_too_large",
        )
    return path.read_bytes()


def _print_findings(findings: list[Finding], *, limit: int = 200) -> None:
    for finding in findings[:limit]:
        where = finding.location.describe()
        click.echo(f"{finding.severity:<7} {finding.pitfall or finding.rule:<28} {where}: {finding.message}")
        if finding.suggestion:
            click.echo(f"{'':<37}→ {finding.suggestion}")
    if len(findings) > limit:
        click.echo(f"… and {len(findings) - limit} more (use --json for all)")


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
@click.version_option(package_name="okr-cadence")
def main() -> None:
    """OKR Cadence: keep OKRs alive in Excel, Outlook and Word."""


def _audit(session: Session, tenant: str, action: str, **kwargs: Any) -> None:
    """Record a CLI write in the audit trail; the CLI acts as the local admin (whoever runs it)."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.store import audit

    audit.record(session, tenant, LOCAL_ADMIN, action, at=_now(), **kwargs)


def _print_table(rows: list[list[str]]) -> None:
    """Rows as left-aligned columns (the first row: the headings)."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
