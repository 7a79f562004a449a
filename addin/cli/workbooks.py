"""`okr` commands on a workbook: template, lint, sync, map, import viva-goals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from addin.cli.base import (
    EXIT_FINDINGS,
    _config,
    _database,
    _fail,
    _now,
    _print_findings,
    _read_file,
    existing_file,
    handles_errors,
    main,
)
from addin.config import max_kr_rows
from addin.files import write_atomically


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Fill it with a realistic example organisation.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handles_errors
def template(path: Path, sample: bool, force: bool) -> None:
    """Write a starter OKR workbook to PATH."""
    from addin.excel.template import write_template

    if path.exists() and not force:
        _fail(f"{path} already exists; choose another name or pass --force.")
    write_atomically(path, write_template(sample=sample, today=_now().date()))
    click.echo(f"Wrote {path}" + (" with a sample organisation" if sample else ""))


@main.command("lint")
@click.argument("path", type=existing_file)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: the workbook's Settings).")
@handles_errors
def lint_command(path: Path, as_json: bool, quarter: str | None) -> None:
    """Check the OKRs in PATH against the known OKR pitfalls."""
    from addin.excel.sync import lint_workbook
    from addin.store import checkins, dependencies
    from addin.store.db import database_exists

    config = _config()
    history = []  # the history rules (stale, pace) use stored check-ins, where there are any
    answers = []  # and the dependency rules the other teams' stored answers
    if database_exists(config.database_url):
        with _database(config).read() as session:
            history = checkins.list_checkins(session, config.tenant)
            answers = dependencies.load_answers(session, config.tenant)
    report = lint_workbook(
        _read_file(path, config), today=_now().date(), quarter=quarter, history=history, answers=answers
    )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.layout_note)
        _print_findings(report.findings)
        click.echo(f"{len(report.findings)} finding(s)")
    sys.exit(EXIT_FINDINGS if report.has_errors else 0)


@main.command()
@click.argument("path", type=existing_file)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the updated workbook here instead of updating PATH.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: the workbook's Settings).")
@click.option(
    "--mapping",
    "mapping_path",
    type=existing_file,
    help="Read the sheets and columns as this mapping says (JSON, see `okr map`); it is saved for "
    "the workbook's later syncs.",
)
@handles_errors
def sync(path: Path, out: Path | None, as_json: bool, quarter: str | None, mapping_path: Path | None) -> None:
    """Validate and store the OKRs in PATH, and write their status back."""
    from addin.excel.mapping import parse_mapping
    from addin.excel.sync import conflict_as_dict, sync_workbook

    config = _config()
    mapping = parse_mapping(_read_file(mapping_path, config)) if mapping_path else None
    report = sync_workbook(
        _database(config),
        config.tenant,
        _read_file(path, config),
        now=_now(),
        quarter=quarter,
        mapping=mapping,
        max_rows=max_kr_rows(),
    )
    if report.written_back:
        write_atomically(out or path, report.workbook)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
    else:
        click.echo(report.summary)
        click.echo(report.layout_note)
        click.echo(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"archived {report.archived}, check-ins {report.checkins}"
        )
        for conflict in report.conflicts:
            c = conflict_as_dict(conflict)
            click.echo(
                f"CONFLICT {c['key_result']} {c['field']}: workbook {c['workbook']!r}, "
                f"stored {c['stored']!r} (both changed since the last sync)"
            )
        _print_findings(report.findings)
        if report.written_back:
            click.echo(f"Wrote {out or path}")
        elif report.write_back_failed:
            click.echo(f"NOT written back: {out or path} is unchanged; the sync is stored. Run `okr sync` again.")
    # 1 when anything the workbook says was not stored (a conflict, a row held back, or nothing at all),
    # or when its status could not be written back into it
    sys.exit(EXIT_FINDINGS if report.conflicts or report.incomplete or report.write_back_failed else 0)


@main.group("import")
def import_group() -> None:
    """Turn another tool's export into an OKR Cadence workbook."""


@import_group.command("viva-goals")
@click.argument("export", type=existing_file)
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The workbook to write (.xlsx)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handles_errors
def import_viva_goals(export: Path, out: Path, force: bool) -> None:
    """Write EXPORT (a Viva Goals export, .xlsx or .csv) as a workbook: objectives, key results, initiatives,
    owners, values and teams."""
    from addin.excel.viva_import import import_export

    if out.exists() and not force:
        _fail(f"{out} exists; use --force to overwrite it.")
    imported = import_export(_read_file(export, _config()), today=_now().date())
    write_atomically(out, imported.workbook)
    click.echo(
        f"Wrote {out}: {imported.objectives} objectives, {imported.key_results} key results, "
        f"{imported.initiatives} initiatives. Next: okr sync {out}"
    )


@main.command("map")
@click.argument("path", type=existing_file)
@click.option("--json", "as_json", is_flag=True, help="Print the mapping as JSON (the format --mapping reads).")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: the workbook's Settings).")
@handles_errors
def map_command(path: Path, as_json: bool, quarter: str | None) -> None:
    """Show how PATH's sheets and columns are read: the mapping, with how sure it is."""
    from addin.excel.mapping import describe
    from addin.excel.reader import propose_mapping

    # when no table is found, each sheet's likeliest header row and columns: a mapping to complete
    mapping, refusal = propose_mapping(_read_file(path, _config()), quarter=quarter, today=_now().date())
    if as_json:
        click.echo(mapping.to_json())
    else:
        if refusal:
            click.echo(refusal)
        click.echo(describe(mapping))
    sys.exit(EXIT_FINDINGS if refusal else 0)
