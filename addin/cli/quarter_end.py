"""`okr` commands that close a quarter: retro (the Word pack) and next-quarter (the next workbook)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from addin.cli.base import _config, _database, _fail, _now, existing_file, handles_errors, main
from addin.files import write_atomically


@main.command("retro")
@click.option("--team", help="The team whose pack to write.")
@click.option("--all", "all_teams", is_flag=True, help="Every team: -o names a folder.")
@click.option("--quarter", help="Quarter such as 2026-Q4 (default: today's quarter).")
@click.option(
    "-o",
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="The .docx to write (a folder with --all).",
)
@click.option("--template", type=existing_file, help="A Word .docx whose styles restyle the pack.")
@click.option("--no-charts", is_flag=True, help="Leave the trend charts out (faster).")
@handles_errors
def retro(
    team: str | None, all_teams: bool, quarter: str | None, out: Path, template: Path | None, no_charts: bool
) -> None:
    """Write the quarter-end Word retro pack of a team (or of every team)."""
    from addin.okr.periods import view_quarter
    from addin.reports.batch import build_retro_packs
    from addin.reports.build import build_retro_pack
    from addin.reports.gather import gather_retro_input, gather_retro_inputs
    from addin.reports.naming import pack_name
    from addin.store import okr_sets

    if bool(team) == all_teams:
        _fail("name one --team, or pass --all.")
    config = _config()
    db = _database(config)
    style = template.read_bytes() if template else None
    with db.read() as session:
        the_quarter = view_quarter(quarter, okr_sets.load_settings(session, config.tenant), _now().date())
        if team:
            inputs = [gather_retro_input(session, config.tenant, team, the_quarter, now=_now())]
        else:
            inputs = gather_retro_inputs(session, config.tenant, the_quarter, now=_now())
    if team:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(out, build_retro_pack(inputs[0], charts=not no_charts, template=style))
        click.echo(f"Wrote {out}")
        return
    out.mkdir(parents=True, exist_ok=True)
    packs = build_retro_packs(inputs, charts=not no_charts, template=style)
    with click.progressbar(zip(inputs, packs), length=len(inputs), label="Retro packs", file=sys.stderr) as bar:
        for data, pack in bar:
            write_atomically(out / pack_name(data.team.name, the_quarter.label), pack)
    click.echo(f"Wrote {len(inputs)} pack(s) into {out}")


@main.command("next-quarter")
@click.option("--team", required=True, help="The team whose next quarter to start.")
@click.option("--quarter", help="The quarter that closes, such as 2026-Q4 (default: the team's latest).")
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The next quarter's workbook (.xlsx) to write.",
)
@handles_errors
def next_quarter(team: str, quarter: str | None, out: Path) -> None:
    """Write next quarter's workbook of a team, pre-filled from its retro's carry-over; sync it to start."""
    from addin.rollover import next_quarter_workbook

    config = _config()
    result = next_quarter_workbook(_database(config), config.tenant, team, quarter=quarter, now=_now())
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, result.workbook)
    click.echo(
        f"Wrote {out}: {result.opening.label} for {team}, {result.carried} key result(s) carried over "
        f"from {result.closing.label}. Edit it, then run `okr sync {out}` to start the quarter."
    )
