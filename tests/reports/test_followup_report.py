"""The follow-up visit report and the monitoring report: content, the sending office's
language, and the downloads over HTTP."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from caseflow.accounts.models import Role
from caseflow.extensions import db
from caseflow.followups.models import FollowUpVisit
from caseflow.reports.common import issuing_language
from caseflow.reports.followup_report import (
    can_print_visit_report,
    load_case_for_followups,
    monitoring_context,
    render_monitoring_html,
    render_visit_report_html,
    visit_report_context,
)
from tests import factories
from tests.followups import other_partner_world
from tests.reports import Scored, as_user, pdf_pages, pdf_text, scored_case


def visit_html(app, s: Scored, visit: FollowUpVisit, user=None) -> str:
    user = user or s.world.officer
    with as_user(app, user):
        case = load_case_for_followups(s.case.number)
        loaded = next(v for v in case.visits if v.id == visit.id)
        with force_locale(issuing_language(case.office)):
            return render_visit_report_html(visit_report_context(case, loaded, user))


def monitoring_html(app, s: Scored) -> str:
    with as_user(app, s.world.manager):
        case = load_case_for_followups(s.case.number)
        with force_locale(issuing_language(case.office)):
            return render_monitoring_html(monitoring_context(case, s.world.manager))


def test_the_visit_report_compares_with_the_previous_visit(app):
    s = scored_case()
    html = visit_html(app, s, s.second)
    assert '<html lang="en">' in html
    assert "Follow-up visit at 3 months" in html
    assert "Found work at a bakery." in html and "Check the lease." in html
    assert "Home visit" in html and s.world.officer.full_name in html
    # economic (1 + 1) / 2 = 1 against 0.5; composite 0.8056 against 0.5556
    assert "1.00" in html and "0.50" in html and "+0.50" in html
    assert "0.81" in html and "0.56" in html and "+0.25" in html
    assert "Previous visit (2 Apr" in html
    # services moved between the two visits: the civil registration was completed and the
    # ID card requested after the visit of 2 April
    assert "Civil registration" in html and "Registered in Niš." in html
    assert "Personal ID card" in html
    assert "Services still open" in html
    assert "Date and signature" in html and 'class="line"' in html


def test_the_first_visit_has_nothing_to_compare_with(app):
    s = scored_case()
    html = visit_html(app, s, s.first)
    assert "Living with the grandparents." in html
    assert "This is the first scored visit of the case." in html
    assert "+0." not in html
    # the ID card was requested after this visit: not part of its report
    assert "Personal ID card" not in html


@pytest.mark.parametrize(("city", "language", "month", "decimal"), [
    ("Liège", "fr", "2 avr.", "0,56"),
    ("Gent", "nl", "2 apr", "0,56"),
    ("Brussels", "en", "2 Apr", "0.56"),
])
def test_printed_in_the_language_of_the_sending_office(app, city, language, month, decimal):
    s = scored_case()
    s.world.office.city = city
    db.session.commit()
    with app.app_context():
        assert issuing_language(s.world.office) == language
    html = visit_html(app, s, s.second)
    assert f'<html lang="{language}">' in html
    assert f"({month}" in html  # the previous visit's date, with a localised month
    assert decimal in html
    monitoring = monitoring_html(app, s)
    assert f'<html lang="{language}">' in monitoring and decimal in monitoring


def test_the_language_an_admin_set_for_the_office_wins_over_its_city(app, client, login_as):
    s = scored_case()
    s.world.office.city = "Liège"
    db.session.commit()
    login_as("admin")
    response = client.post(f"/admin/offices/{s.world.office.id}/edit", data={
        "name": s.world.office.name, "kind": "sending", "country": "BE", "city": "Liège",
        "language": "nl"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert s.world.office.language == "nl"
    assert '<html lang="nl">' in visit_html(app, s, s.second)
    refused = client.post(f"/admin/offices/{s.world.office.id}/edit", data={
        "name": s.world.office.name, "kind": "sending", "country": "BE", "city": "Liège",
        "language": "de"})
    db.session.expire_all()
    # The form refuses an unknown choice (shown again with the error), nothing is saved.
    assert refused.status_code in (200, 400) and 'aria-invalid="true"' in refused.get_data(
        as_text=True)
    assert s.world.office.language == "nl"


def test_an_office_language_falls_back_to_the_default(app, monkeypatch):
    office = factories.make_office(city="Eupen")
    with app.app_context():
        monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "nl")
        assert issuing_language(office) == "nl"


def test_the_monitoring_report_lists_every_visit_with_its_scores(app):
    s = scored_case()
    html = monitoring_html(app, s)
    assert "Monitoring report" in html and s.case.number in html
    assert html.count("<tr>") >= 1 + 4 + 1 + 2  # visits table and the score table
    assert "12 months" in html and "Phone call" in html and "Home visit" in html
    assert "0.56" in html and "0.81" in html
    assert '<img class="chart" src="data:image/png;base64,' in html


def test_only_a_done_visit_of_the_case_has_a_report(app):
    s = scored_case()
    pending = next(v for v in s.case.visits if v.done_on is None)
    assert can_print_visit_report(s.case, s.second, s.world.manager)
    assert not can_print_visit_report(s.case, pending, s.world.manager)
    assert not can_print_visit_report(s.case, s.second, other_partner_world(s.world).officer)


# -- over HTTP ---------------------------------------------------------------------------
def test_download_the_visit_report_in_the_office_language(client, login_as):
    s = scored_case()
    s.world.office.city = "Liège"
    db.session.commit()
    login_as(Role.reintegration_officer, office=s.world.partner, preferred_language="en")
    response = client.get(f"/cases/{s.case.number}/visits/{s.second.id}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{s.case.number}-visit-2.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    pages = pdf_pages(response.data)
    assert all(s.case.number in page for page in pages)
    text = " ".join(pages)
    assert "Found work at a bakery." in text and "0,81" in text and "avr." in text
    assert "Ђорђе Петровић" in text and "Drita Hoxhë" in text


def test_download_the_monitoring_report(client, login_as):
    s = scored_case()
    login_as(Role.caseworker, office=s.world.office)
    response = client.get(f"/cases/{s.case.number}/monitoring.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{s.case.number}-monitoring.pdf"'
    text = pdf_text(response.data)
    assert "Monitoring report" in text and "Page 1 of 1" in text and "0.81" in text


def test_follow_up_reports_refused(client, login_as):
    s = scored_case()
    pending = next(v for v in s.case.visits if v.done_on is None)
    base = f"/cases/{s.case.number}"
    assert client.get(f"{base}/monitoring.pdf").status_code == 302  # to the login page
    login_as(Role.reintegration_officer, office=s.world.partner)
    assert client.get(f"{base}/visits/{pending.id}/report.pdf").status_code == 404
    other = scored_case()
    assert client.get(f"{base}/visits/{other.second.id}/report.pdf").status_code == 404
    client.post("/logout")
    login_as(Role.reintegration_officer, office=other_partner_world(s.world).partner)
    assert client.get(f"{base}/monitoring.pdf").status_code == 404
    assert client.get(f"{base}/visits/{s.second.id}/report.pdf").status_code == 404
