"""Alembic migrations of the emoscore store (``script_location = emoscore.store:migrations``)."""
