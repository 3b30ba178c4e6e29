"""The case report: what each reader gets (HTML), the printed PDF, and the download over
HTTP for each kind of user."""

from __future__ import annotations

import re

from sqlalchemy import event

from caseflow.accounts.models import Role
from caseflow.cases.models import CaseStatus
from caseflow.demo.large_case import build_large_case
from caseflow.extensions import db
from caseflow.people.models import Consent, ConsentPurpose
from caseflow.printing.pdf import StaticOnlyFetcher
from caseflow.reports import case_report
from caseflow.reports.case_report import (
    can_print_case_report,
    case_report_context,
    case_report_pdf,
    load_case_for_report,
    render_case_report_html,
)
from tests import factories
from tests.cases.helpers import case_at, make_world, move
from tests.followups import other_partner_world
from tests.reports import (
    MEDICAL_NOTE,
    SESSION_NOTE,
    as_user,
    pdf_pages,
    pdf_text,
    scored_case,
)


def html_for(app, case, user) -> str:
    with as_user(app, user):
        loaded = load_case_for_report(case.number)
        return render_case_report_html(case_report_context(loaded, user))


def test_the_sending_office_gets_the_whole_case(app):
    s = scored_case()
    html = html_for(app, s.case, s.world.manager)
    assert f"Case report {s.case.number}" in html
    # household in document form and original script, with asylum data and medical notes
    assert "Đorđe Petrović" in html and "Ђорђе Петровић" in html and "Drita Hoxhë" in html
    assert "8.123.456" in html and "Petit-Château" in html
    assert "Serious illness" in html and MEDICAL_NOTE in html
    # counselling, decisions, travel, services, follow-ups with scores and a chart
    assert 'data-section="sessions"' in html and SESSION_NOTE in html
    assert 'id="decisions"' in html and "Application submitted → Approved" in html
    assert "Brussels Airlines SN 2911" in html and "Brussels (BRU)" in html
    assert "Civil registration" in html and "Registered in Niš." in html
    assert "Personal ID card" in html and "Requested" in html
    assert "0.56" in html and "0.81" in html  # composite 0.5556 then 0.8056
    assert re.search(r'<img class="chart" src="data:image/png;base64,[A-Za-z0-9+/=]+" '
                     r'alt="RSS scores per visit[^"]*0\.56[^"]*0\.81', html)
    assert 'data-section="documents"' in html
    assert "Partner copy" not in html
    assert 'id="timeline"' in html and "registered the case" in html


def test_a_partner_officer_gets_the_restricted_report(app):
    s = scored_case()
    html = html_for(app, s.case, s.world.officer)
    assert "Partner copy" in html
    assert "Đorđe Petrović" in html and "Ђорђе Петровић" in html
    assert "Serious illness" in html  # vulnerabilities are shown as on the case page
    for hidden in (MEDICAL_NOTE, SESSION_NOTE, "8.123.456", "Petit-Château",
                   'data-section="sessions"', 'data-section="asylum"',
                   'data-section="documents"', 'data-section="medical"'):
        assert hidden not in html, hidden
    # what the partner works with is all there
    assert "Civil registration" in html and "0.81" in html and 'class="chart"' in html


def test_medical_notes_reach_a_partner_only_with_consent_to_share_them(app):
    s = scored_case()
    db.session.add(Consent(beneficiary=s.case.principal, purpose=ConsentPurpose.medical_sharing,
                           given_on=s.case.arrived_on))
    db.session.commit()
    html = html_for(app, s.case, s.world.officer)
    assert MEDICAL_NOTE in html
    assert SESSION_NOTE not in html and "8.123.456" not in html  # still the partner copy


def test_a_partner_manager_gets_the_partner_copy_too(app):
    s = scored_case()
    partner_manager = factories.make_user(Role.manager, office=s.world.partner)
    assert can_print_case_report(s.case, partner_manager)
    html = html_for(app, s.case, partner_manager)
    assert "Partner copy" in html and SESSION_NOTE not in html and MEDICAL_NOTE not in html


def test_who_may_print(app):
    s = scored_case()
    other = other_partner_world(s.world)
    assert can_print_case_report(s.case, s.world.caseworker)
    assert can_print_case_report(s.case, s.world.officer)
    assert can_print_case_report(s.case, factories.make_user(Role.admin))
    assert not can_print_case_report(s.case, other.officer)
    assert not can_print_case_report(s.case, factories.make_user(Role.caseworker))
    registered, world = case_at(CaseStatus.registered)
    assert not can_print_case_report(registered, world.officer)  # not referred yet


def test_a_hostile_name_prints_as_text_and_fetches_nothing(app):
    world = make_world()
    img, link = '<img src="file:///etc/passwd">', '<link href="http://127.0.0.1:1/">'
    case, world = case_at(CaseStatus.registered, world, household=[
        factories.person_data("principal", given_names=img, family_name=link)])
    html = html_for(app, case, world.caseworker)
    assert img not in html and link not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    fetcher = StaticOnlyFetcher(app.static_folder)
    with as_user(app, world.caseworker):
        data = case_report_pdf(load_case_for_report(case.number), world.caseworker,
                               fetcher=fetcher)
    assert fetcher.refused == []
    assert all(url.startswith("file://") and "/fonts/" in url for url in fetcher.served)
    text = pdf_text(data)
    assert img in text and link in text


def test_a_long_case_prints_page_x_of_n_with_the_case_number_on_every_page(app):
    large = build_large_case()
    with as_user(app, large.manager):
        data = case_report_pdf(load_case_for_report(large.case.number), large.manager)
    pages = pdf_pages(data)
    assert len(pages) > 1
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert large.case.number in page and "Confidential" in page
        assert "by Manager Large" in page
    text = " ".join(pages)
    assert "Đorđe Petrović" in text and "Ђорђе Петровић" in text and "Drita Hoxhë" in text
    assert "Милица Петровић" in text


def test_the_context_takes_the_same_queries_for_a_small_and_a_large_case(app):
    small = scored_case()
    large = build_large_case()
    for name in ("draft_plan", "submit_plan", "approve_plan"):  # both have an approved plan
        move(small.case, name, small.world)
    counts = []
    for case, user in ((small.case, small.world.manager), (large.case, large.manager)):
        db.session.expire_all()
        statements: list[str] = []

        def count(*args, statements=statements):
            statements.append(args[2])

        with as_user(app, user):
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                loaded = load_case_for_report(case.number)
                case_report_context(loaded, user)
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# -- over HTTP ---------------------------------------------------------------------------
def test_download_as_the_sending_manager(client, login_as):
    s = scored_case()
    login_as(Role.manager, office=s.world.office)
    response = client.get(f"/cases/{s.case.number}/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{s.case.number}-case-report.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "Page 1 of" in text and SESSION_NOTE in text and MEDICAL_NOTE in text


def test_the_referred_partner_officer_downloads_the_restricted_report(client, login_as):
    s = scored_case()
    login_as(Role.reintegration_officer, office=s.world.partner)
    response = client.get(f"/cases/{s.case.number}/report.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "Partner copy" in text and "Ђорђе Петровић" in text
    assert SESSION_NOTE not in text and MEDICAL_NOTE not in text and "8.123.456" not in text


def test_another_partner_gets_404(client, login_as):
    s = scored_case()
    login_as(Role.reintegration_officer, office=other_partner_world(s.world).partner)
    assert client.get(f"/cases/{s.case.number}/report.pdf").status_code == 404
    assert client.get("/cases/BE-1999-999999/report.pdf").status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client):
    s = scored_case()
    response = client.get(f"/cases/{s.case.number}/report.pdf")
    assert response.status_code == 302 and "/login" in response.location


def test_a_render_that_takes_too_long_is_a_503_page(client, login_as, app, monkeypatch):
    s = scored_case()
    login_as(Role.manager, office=s.world.office)
    monkeypatch.setitem(app.config, "PDF_RENDER_TIMEOUT", 0.001)
    response = client.get(f"/cases/{s.case.number}/report.pdf")
    assert response.status_code == 503
    assert "took too long" in response.text
    assert response.headers["Content-Type"].startswith("text/html")


def test_the_case_page_include_links_only_what_the_user_may_print(app):
    s = scored_case()
    from flask import render_template_string

    include = '{% include "reports/_case_section.html" %}'
    with as_user(app, s.world.officer):
        page = render_template_string(include, case=s.case)
    assert f"/cases/{s.case.number}/report.pdf" in page
    assert f"/cases/{s.case.number}/monitoring.pdf" in page
    registered, world = case_at(CaseStatus.registered)
    with as_user(app, world.caseworker):
        page = render_template_string(include, case=registered)
    assert "Print case report" in page and "monitoring.pdf" not in page
    assert case_report.sees_sending_side(registered, world.caseworker)


def test_certificates_on_the_timeline_reach_the_sending_office_only(app):
    from caseflow.printing import services as printing

    s = scored_case()
    cert = printing.issue_departure_certificate(s.case, by=s.world.manager, language="en")
    db.session.commit()
    line = f"issued certificate {cert.number} (Attestation of voluntary departure)"
    assert line in html_for(app, s.case, s.world.manager)
    assert cert.number not in html_for(app, s.case, s.world.officer)
