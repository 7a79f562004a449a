"""One at a time per tenant and purpose, across processes: a second holder is told the slot is taken."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from addin.store.db import Database
from addin.store.sync_slots import tenant_slot


def test_a_slot_is_held_once_across_processes_and_per_tenant_and_purpose(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    probe = textwrap.dedent(f"""
        from addin.store.db import Database
        from addin.store.sync_slots import tenant_slot
        with tenant_slot(Database({url!r}), "t1", "attach-retros") as held:
            print(held)
    """)

    def other_process() -> str:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip()

    with tenant_slot(database, "t1", "attach-retros") as held:
        assert held
        assert other_process() == "False"  # another worker process
        with tenant_slot(database, "t1", "attach-retros") as again:
            assert not again  # another thread or task of this process
        with (
            tenant_slot(database, "t2", "attach-retros") as other_tenant,
            tenant_slot(database, "t1", "refresh-invites") as other_job,
        ):
            assert other_tenant and other_job
    assert other_process() == "True"  # released
