"""Follow-up pages over HTTP: the case section, recording a visit, the report, the admin's
RSS page and the dashboards, for each role that sees them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from caseflow.accounts.models import Role
from caseflow.extensions import db
from caseflow.followups.models import RssSurvey, VisitMode
from caseflow.followups.services import record_visit
from tests.followups import (
    answers,
    arrived_case,
    other_partner_world,
    rss_v1,
    set_due,
    visit,
)

TODAY = date.today()
PARTIAL = {"economic_satisfaction": "very_satisfied", "employment": "none",
           "support_network": "one", "able_to_stay": "yes", "signs_of_distress": "often"}


def form_data(**fields):
    data = {"done_on": TODAY.isoformat(), "mode": "home_visit", "notes": "All well.",
            "next_steps": "Call in two months."}
    data.update({f"q{k}": str(v) for k, v in answers(rss_v1(), **PARTIAL).items()})
    data.update(fields)
    return data


def test_record_a_visit_and_see_it_on_the_case_page(client, login_as):
    case, world = arrived_case()
    login_as(Role.reintegration_officer, office=world.partner)
    v = visit(case, 1)
    url = f"/cases/{case.number}/visits/{v.id}/record"
    page = client.get(url)
    assert page.status_code == 200
    assert "Reintegration Sustainability Survey" in page.text
    assert "How satisfied are you with your current economic situation?" in page.text
    assert page.text.count('type="radio" value=""') == 22  # "not answered", per question
    assert "Psychosocial" in page.text and 'type="radio"' in page.text

    response = client.post(url, data=form_data(version="1"))
    assert response.status_code == 302, response.text
    assert response.location == f"/cases/{case.number}#followups"
    db.session.expire_all()
    v = visit(case, 1)
    assert v.done_on == TODAY and v.mode is VisitMode.home_visit and v.survey.answered == 5
    page = client.get(f"/cases/{case.number}").text
    assert "Follow-up visits" in page and "0.56" in page  # composite 0.5556
    assert "partial: 5 of 22 answered" in page
    assert "RSS score trend" in page and "Home visit" in page


def test_the_trend_chart_and_the_report_compare_with_the_previous_visit(client, login_as):
    case, world = arrived_case()
    rss = rss_v1()
    record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                 answers=answers(rss, **PARTIAL))
    better = {**PARTIAL, "employment": "regular"}  # economic (1 + 1) / 2 = 1
    second = record_visit(visit(case, 2), by=world.officer, done_on=TODAY,
                          mode=VisitMode.home_visit, notes="Found work at a bakery.",
                          next_steps="Check the lease.", answers=answers(rss, **better))
    db.session.commit()
    login_as(Role.caseworker, office=world.office)  # the sending office sees the scores too
    page = client.get(f"/cases/{case.number}").text
    assert "<svg" in page and "<polyline" in page and 'role="img"' in page
    assert "<script" not in page
    report = client.get(f"/cases/{case.number}/visits/{second.id}")
    assert report.status_code == 200
    text = report.text
    assert "Found work at a bakery." in text and "Check the lease." in text
    # composite (1 + 0.6111) / 2 = 0.80555 -> 0.8056, before 0.5556: +0.25
    assert "0.81" in text and "0.56" in text and "+0.25" in text and "+0.50" in text
    assert "Correct this visit" not in text  # a caseworker does not record visits
    # A visit not done has no report.
    assert client.get(f"/cases/{case.number}/visits/{visit(case, 3).id}").status_code == 404


def test_bad_input_shows_errors_and_saves_nothing(client, login_as):
    case, world = arrived_case()
    login_as(Role.reintegration_officer, office=world.partner)
    v = visit(case, 1)
    url = f"/cases/{case.number}/visits/{v.id}/record"
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    page = client.post(url, data=form_data(done_on=tomorrow, version="1"))
    assert page.status_code == 200 and "A visit cannot be recorded before it takes place." \
        in page.text
    before = (TODAY - timedelta(days=1)).isoformat()
    assert "before the arrival" in client.post(url, data=form_data(done_on=before)).text
    assert "Choose how the visit took place." in client.post(url, data=form_data(mode="")).text
    food = next(i for i in rss_v1().indicators if i.code == "food_insecurity")
    page = client.post(url, data=form_data(**{f"q{food.id}": "999999"}))
    assert page.status_code == 200 and 'aria-describedby="q' in page.text
    db.session.expire_all()
    assert visit(case, 1).done_on is None
    assert db.session.scalar(select(func.count()).select_from(RssSurvey)) == 0


def test_a_stale_correction_shows_what_changed(client, login_as):
    case, world = arrived_case()
    record_visit(visit(case, 1), by=world.officer, done_on=TODAY, mode=VisitMode.phone,
                 notes="First.", answers=None)
    db.session.commit()
    login_as(Role.reintegration_officer, office=world.partner)
    url = f"/cases/{case.number}/visits/{visit(case, 1).id}/record"
    assert "First." in client.get(url).text  # the form shows the recorded visit
    page = client.post(url, data=form_data(version="1"))
    assert page.status_code == 409
    assert "Someone else saved this visit" in page.text and "follow-up 1: mode" in page.text
    db.session.expire_all()
    assert visit(case, 1).notes == "First."


def test_another_partners_officer_gets_404_and_other_roles_403(client, login_as):
    case, world = arrived_case()
    other = other_partner_world(world)
    v = visit(case, 1)
    record_visit(v, by=world.officer, done_on=TODAY, mode=VisitMode.phone, answers=None)
    db.session.commit()
    login_as(Role.reintegration_officer, office=other.partner)
    for url in (f"/cases/{case.number}", f"/cases/{case.number}/visits/{v.id}/record",
                f"/cases/{case.number}/visits/{v.id}"):
        assert client.get(url).status_code == 404, url
    client.post("/logout")
    login_as(Role.manager, office=world.office)
    assert client.get(f"/cases/{case.number}/visits/{v.id}/record").status_code == 403
    assert client.get(f"/cases/{case.number}/visits/{v.id}").status_code == 200
    # A visit id of another case is not found under this case.
    theirs, _ = arrived_case(other)
    assert client.get(f"/cases/{case.number}/visits/{visit(theirs, 1).id}").status_code == 404


def test_admin_sees_the_rss_versions_with_the_placeholder_warning(client, login_as):
    login_as(Role.admin)
    page = client.get("/admin/rss")
    assert page.status_code == 200
    assert "The weights in use are a placeholder." in page.text
    assert "Equal weights — placeholder, replace with IOM&#39;s official weighting" in page.text
    assert "Version 1" in page.text and "Do you feel able to stay" in page.text


def test_rss_page_is_for_admins_only(client, login_as):
    login_as(Role.manager)
    assert client.get("/admin/rss").status_code == 403


def test_officer_dashboard_lists_due_and_overdue_visits(client, login_as):
    case, world = arrived_case()
    other = other_partner_world(world)
    theirs, _ = arrived_case(other)
    set_due(case, TODAY - timedelta(days=3), TODAY + timedelta(days=2))
    set_due(theirs, TODAY - timedelta(days=3), TODAY + timedelta(days=2))
    db.session.commit()
    login_as(Role.reintegration_officer, office=world.partner)
    page = client.get("/").text
    assert "Follow-up visits due this week" in page and "Overdue follow-ups" in page
    assert "Referrals to accept" in page
    assert page.count(f">{case.number}</a>") == 2 and theirs.number not in page
    assert "3 days late" in page


def test_manager_dashboard_counts_per_partner_and_officer(client, login_as):
    case, world = arrived_case()
    other = other_partner_world(world)
    theirs, _ = arrived_case(other)
    set_due(case, TODAY - timedelta(days=3))
    set_due(theirs, TODAY + timedelta(days=1))
    db.session.commit()
    login_as(Role.manager, office=world.office)
    page = client.get("/").text
    assert "Applications awaiting your decision" in page
    assert "Follow-ups by partner and officer" in page
    assert case.number in page and theirs.number in page
    for name in (world.partner.name, other.partner.name, world.officer.full_name,
                 other.officer.full_name):
        assert name in page


def test_empty_follow_up_panels_are_honest(client, login_as):
    login_as(Role.reintegration_officer)
    page = client.get("/").text
    assert "No follow-up visit is due this week." in page
    assert "No follow-up visit is overdue." in page
