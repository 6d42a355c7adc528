"""Shared fixtures: the store is built once per session from the curated files."""

from __future__ import annotations

import pytest

from kg.store import build_store
from kg.validate import validate


@pytest.fixture(scope="session")
def store():
    return build_store()


@pytest.fixture(scope="session")
def base_report():
    return validate()
