"""Data commands: reference data, unit import, demo data (being written)."""

from flask import Flask


def register(app: Flask) -> None:
    """Register the data commands."""
