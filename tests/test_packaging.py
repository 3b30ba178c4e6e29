"""An installed caseflow (a wheel, not this checkout) still finds its templates."""

import subprocess
import sys
import zipfile
from pathlib import Path

import caseflow

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_carries_templates_and_static_files(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
                   check=True, timeout=300, capture_output=True)
    wheel = next(tmp_path.glob("caseflow-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "caseflow/templates/base.html" in names
    assert "caseflow/templates/errors/error.html" in names
    assert "caseflow/static/css/caseflow.css" in names
    assert "caseflow/translations/fr/LC_MESSAGES/messages.po" in names
    assert "caseflow/migrations/env.py" in names
    assert any(n.startswith("caseflow/migrations/versions/0001_") for n in names)


def test_resource_folders_fall_back_to_the_package(tmp_path, monkeypatch):
    installed = tmp_path / "site-packages" / "caseflow"
    (installed / "templates").mkdir(parents=True)
    monkeypatch.setattr(caseflow, "PACKAGE_DIR", installed)
    assert caseflow._resource_dir("templates") == str(installed / "templates")
    assert caseflow._resource_dir("migrations") == str(installed / "migrations")
    monkeypatch.setattr(caseflow, "PACKAGE_DIR", ROOT / "caseflow")
    assert caseflow._resource_dir("templates") == str(ROOT / "templates")
