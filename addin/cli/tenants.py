"""`okr tenants`: the organisations that may sign in (list, add, offboard), each change audited."""

from __future__ import annotations

import json

import click

from addin.cli.base import _config, _database, _now, _print_table, handles_errors, main
from addin.errors import OkrError


@main.group("tenants")
def tenants_group() -> None:
    """The organisations that may sign in: list them, add one, offboard one (audited in its trail)."""


@tenants_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handles_errors
def tenants_list(as_json: bool) -> None:
    """Every tenant onboarded or offboarded here, and those OKR_ALLOWED_TENANTS lists."""
    from addin.store.tenants import list_tenants

    with _database(_config()).read() as session:
        records = list_tenants(session)
    rows = [
        {
            "tenant": r.tenant_id,
            "state": r.state,
            "onboarded_at": r.onboarded_at.isoformat(),
            "onboarded_by": r.onboarded_by,
            "offboarded_at": r.offboarded_at.isoformat() if r.offboarded_at else None,
            "offboarded_by": r.offboarded_by,
        }
        for r in records
    ]
    recorded = {r.tenant_id for r in records}
    rows += [{"tenant": t, "state": "listed in OKR_ALLOWED_TENANTS"} for t in sorted(_allowed_tenants() - recorded)]
    if as_json:
        click.echo(json.dumps({"tenants": rows}, ensure_ascii=False))
    elif not rows:
        click.echo("No tenants onboarded yet.")
    else:
        _print_table(
            [["tenant", "state", "since", "by"]]
            + [
                [
                    str(r["tenant"]),
                    str(r["state"]),
                    (r.get("offboarded_at") or r.get("onboarded_at") or "")[:19],
                    r.get("offboarded_by") or r.get("onboarded_by") or "",
                ]
                for r in rows
            ]
        )


@tenants_group.command("add")
@click.argument("tenant_id")
@handles_errors
def tenants_add(tenant_id: str) -> None:
    """Let a tenant's users sign in (as its admin's consent at /onboard does), or bring an offboarded one back."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.tenancy import onboard_tenant

    record = onboard_tenant(
        _database(_config()), _tenant_id(tenant_id), actor=LOCAL_ADMIN, by="okr tenants add", now=_now()
    )
    click.echo(f"Tenant {record.tenant_id} is {record.state}: its users can sign in.")


@tenants_group.command("offboard")
@click.argument("tenant_id")
@handles_errors
def tenants_offboard(tenant_id: str) -> None:
    """Stop a tenant's sign-ins, as its admin's DELETE /api/tenant does; its data stays."""
    from addin.okr.authority import LOCAL_ADMIN
    from addin.store.tenants import list_tenants
    from addin.tenancy import offboard_tenant

    tenant = _tenant_id(tenant_id)
    db = _database(_config())
    with db.read() as session:
        known = {r.tenant_id for r in list_tenants(session)} | _allowed_tenants()
    if tenant not in known:  # a mistyped id would otherwise "succeed" and stop nobody
        raise OkrError(
            f"No tenant {tenant} was onboarded here or is listed in OKR_ALLOWED_TENANTS (okr tenants list).",
            code="tenant_not_found",
            field="tenant",
        )
    record = offboard_tenant(db, tenant, actor=LOCAL_ADMIN, now=_now())
    click.echo(f"Tenant {record.tenant_id} is {record.state}: its users can no longer sign in; its data is kept.")


def _allowed_tenants() -> frozenset[str]:
    """OKR_ALLOWED_TENANTS, as the server reads it (sign-in settings that do not hold: exit 2)."""
    from auth import AuthConfig

    try:
        return AuthConfig.from_env().allowed_tenants
    except ValueError as exc:
        raise OkrError(str(exc), code="bad_configuration") from exc


def _tenant_id(raw: str) -> str:
    from auth.config import is_guid

    tenant = raw.strip().lower()
    if not is_guid(tenant):
        raise OkrError(
            f"{raw!r} is not a tenant id (a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47).",
            code="bad_tenant_id",
            field="tenant",
        )
    return tenant
