"""Alembic environment: migrates the connection :class:`emoscore.store.Store` hands over, or the
``sqlalchemy.url`` of the Alembic config when run from the ``alembic`` command."""

from __future__ import annotations

from typing import cast

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection


def _migrate(connection: Connection) -> None:
    # batch mode lets SQLite (no ALTER COLUMN) run the same migrations as PostgreSQL
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(cast(str, config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


# Importing this module outside Alembic (doctest collection, linters) must not run anything.
if hasattr(context, "config"):
    run_migrations()
