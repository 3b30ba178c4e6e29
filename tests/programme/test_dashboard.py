"""The manager's dashboard shows the programme charts for the cases the manager oversees."""

from __future__ import annotations

import base64
import re
from datetime import date

from caseflow.accounts.models import Role
from caseflow.cases.models import CaseStatus
from caseflow.extensions import db
from tests.cases.helpers import case_at, make_world

CHART = re.compile(r'<img class="chart"[^>]*src="data:image/svg\+xml;base64,([^"]+)" '
                   r'alt="([^"]*)"')


def test_a_manager_sees_the_charts_and_the_link_to_the_report(client, login_as):
    world = make_world()
    case_at(CaseStatus.departed, world, dated=date.today())
    case_at(CaseStatus.counselling, world)
    db.session.commit()
    login_as(Role.manager, office=world.office)
    html = client.get("/").get_data(as_text=True)
    charts = dict((alt.split(":")[0], data) for data, alt in CHART.findall(html))
    assert set(charts) == {"Returns by month", "Cases by stage"}
    assert base64.b64decode(charts["Cases by stage"]).startswith(b"<?xml")
    alts = [alt for _data, alt in CHART.findall(html)]
    assert any("Departed 1" in alt and "Counselling 1" in alt for alt in alts)
    assert any(alt.startswith("Returns by month") and " 1" in alt for alt in alts)
    assert 'href="/reports/programme"' in html


def test_the_charts_cover_only_the_managers_office(client, login_as):
    elsewhere = make_world()
    case_at(CaseStatus.departed, elsewhere, dated=date.today())
    mine = make_world()
    db.session.commit()
    login_as(Role.manager, office=mine.office)
    html = client.get("/").get_data(as_text=True)
    alts = [alt for _data, alt in CHART.findall(html)]
    assert len(alts) == 2 and not any("Departed" in alt for alt in alts)


def test_a_caseworker_sees_no_programme_charts(client, login_as):
    login_as(Role.caseworker)
    html = client.get("/").get_data(as_text=True)
    assert not CHART.search(html) and "/reports/programme" not in html
