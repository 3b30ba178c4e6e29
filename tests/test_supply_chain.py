"""Supply chain: production installs from requirements.lock (exact pins with hashes, every
transitive dependency included), and pip-audit checks that lock in CI, failing on a known
vulnerability and on vulnerability data it cannot fetch."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIP_AUDIT = str(Path(sys.executable).parent / "pip-audit")
# What `make audit-deps` (run by .ci/run) passes; --strict makes a package whose data cannot
# be fetched an error instead of a silent "not audited".
AUDIT_ARGS = "--disable-pip --strict --progress-spinner off"
# Jinja2 2.10: sandbox escape through str.format_map, fixed in 2.10.1.
VULNERABLE_PIN, ADVISORY = "jinja2==2.10", "CVE-2019-10906"
DEV_ONLY = {"pytest", "playwright", "ruff", "hypothesis", "pip-audit", "pip-tools",
            "openapi-spec-validator"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def locked() -> dict[str, str]:
    """Canonical name -> pinned version, from requirements.lock."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        found = _PIN.match(line)
        if found:
            pins[canonicalize_name(found.group(1))] = found.group(2)
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_every_runtime_dependency_is_pinned_in_the_lock():
    pins = locked()
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, (f"{requirement.name} is in pyproject.toml but not in "
                              "requirements.lock: run `make lock`")
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {name}=={pins[name]}, outside pyproject.toml's "
            f"{requirement}: run `make lock`")


def test_the_lock_is_exact_hashed_closed_and_free_of_dev_tools():
    text = LOCK.read_text()
    entries: dict[str, str] = {}
    current = ""
    for line in text.splitlines():
        if _PIN.match(line):
            current = line
            entries[current] = line
        elif current and line.startswith(" "):
            entries[current] += line
    assert len(entries) == len(locked()) > 30
    assert all("--hash=sha256:" in entry for entry in entries.values()), "pins carry hashes"
    assert not [line for line in text.splitlines()
                if line and not line.startswith((" ", "#")) and not _PIN.match(line)]
    pins = locked()
    assert not DEV_ONLY & set(pins)

    # Closed: every dependency of every locked package (for this Python, with the extras
    # asked for) is locked too, so `pip install --require-hashes` needs nothing else.
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in runtime_requirements()]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        assert name in pins, f"{name} is needed but not locked: run `make lock`"
        for text_requirement in metadata.distribution(name).requires or []:
            requirement = Requirement(text_requirement)
            if requirement.marker is None or any(
                    requirement.marker.evaluate({"extra": extra})
                    for extra in {"", *extras}):
                todo.append((canonicalize_name(requirement.name),
                             frozenset(requirement.extras)))


def test_ci_audits_the_lock_strictly_before_the_tests():
    makefile = (ROOT / "Makefile").read_text()
    assert f"pip-audit --requirement requirements.lock {AUDIT_ARGS}" in makefile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make audit-deps" in ci
    assert ci.index("make audit-deps") < ci.index("make test")


def audit(requirements: Path, *extra: str, env: dict[str, str] | None = None,
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PIP_AUDIT, "--requirement", str(requirements), *AUDIT_ARGS.split(),
                           *extra], capture_output=True, text=True, timeout=300, env=env,
                          check=False)


def test_the_audit_fails_when_vulnerability_data_cannot_be_fetched(tmp_path):
    """No answer from the service is a failure, never a pass: here every request goes to a
    local port where nothing listens."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("flask==3.1.3\n")
    closed = "http://127.0.0.1:9"
    env = {"PATH": "/usr/bin:/bin", "HTTPS_PROXY": closed, "HTTP_PROXY": closed,
           "NO_PROXY": "", "HOME": str(tmp_path)}
    result = audit(requirements, "--no-deps", "--cache-dir", str(tmp_path / "cache"),
                   "--timeout", "5", env=env)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "pypi.org" in result.stderr  # it failed reaching the service, not on its arguments


def vulnerability_service() -> tuple[bool, str]:
    """Whether PyPI answers with a release's vulnerability data (what pip-audit reads)."""
    url = "https://pypi.org/pypi/jinja2/2.10/json"
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return "vulnerabilities" in json.load(response), f"{url} has no vulnerabilities"
    except urllib.error.HTTPError as error:
        return False, f"{url} answered HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, f"{url} unreachable: {error}"


def test_the_audit_fails_on_a_release_with_a_published_advisory(tmp_path):
    reachable, why = vulnerability_service()
    if not reachable:
        # PyPI is not ours to start, unlike the services tests/services.py requires: where it
        # withholds the data, CI says so (.ci/run) and this test cannot run.
        pytest.skip(f"PyPI's vulnerability data cannot be fetched here: {why}")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(VULNERABLE_PIN + "\n")
    result = audit(requirements, "--no-deps", "--format", "json", "--aliases", "on")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    (jinja2,) = [dep for dep in report["dependencies"] if dep["name"] == "jinja2"]
    named = {vuln["id"] for vuln in jinja2["vulns"]} | {
        alias for vuln in jinja2["vulns"] for alias in vuln.get("aliases", [])}
    assert ADVISORY in named, named
