"""Dashboard fixtures: a project with features in several lanes, and its dashboard served."""

import pytest
from dashboard_support import make_project, served


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "shop")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def dashboard(project):
    with served(project) as running:
        yield running
