"""Languages: complete catalogues, and the right language for each request."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from caseflow.accounts.models import Role
from caseflow.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "caseflow" / "translations"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """Every message id in the code and templates right now (not the checked-in .pot)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
                   cwd=ROOT, check=True, timeout=120)
    with pot.open("rb") as f:
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    # babel.cfg's patterns match paths relative to the folder given: guard against a
    # configuration that silently extracts nothing.
    assert len(ids) > 100, "extraction found almost no messages: check babel.cfg"
    return ids


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_every_message_is_translated_and_none_is_fuzzy(extracted, language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if message.fuzzy or not all(strings):
            continue
        translated[key] = strings
    missing = sorted(extracted - translated.keys())
    assert not missing, f"{language}: missing or fuzzy translations: {missing}"


def test_browser_language_is_used_before_login(client):
    assert "Se connecter à caseflow" in client.get(
        "/login", headers={"Accept-Language": "fr-BE,fr;q=0.9"}).text
    assert "Inloggen bij caseflow" in client.get(
        "/login", headers={"Accept-Language": "nl-BE"}).text
    assert "Log in to caseflow" in client.get("/login", headers={"Accept-Language": "de"}).text


def test_preferred_language_wins_over_the_browser(client, login_as):
    login_as(Role.caseworker, preferred_language="nl")
    page = client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="nl">' in page.text


def test_switching_language_is_saved_on_the_account(client, login_as):
    user = login_as(Role.manager)
    response = client.post("/language", data={"language": "fr", "next": "/admin/users"})
    assert response.status_code == 302 and response.location == "/admin/users"
    db.session.refresh(user)
    assert user.preferred_language == "fr"
    assert "Tableau de bord" in client.get("/").text
    # Unknown languages and foreign redirects are refused.
    client.post("/language", data={"language": "xx", "next": "https://evil.example.com"})
    db.session.refresh(user)
    assert user.preferred_language == "fr"


def test_language_before_login_is_kept_in_the_session(client):
    client.post("/language", data={"language": "nl", "next": "/login"})
    assert "Inloggen bij caseflow" in client.get("/login").text
