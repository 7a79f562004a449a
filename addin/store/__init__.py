"""The store: tables, migrations and the repository modules, the only way the rest of the code reads
and writes the database.

Every repository function takes the caller's session and a tenant, and every query filters by
that tenant: another tenant's ids behave exactly like ids that do not exist. Nothing here commits
-- the caller's ``Database.transaction()`` block decides (all or nothing).
"""
