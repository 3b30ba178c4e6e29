"""Consent per purpose is enforced where it matters: processing the case at all, sharing the
case with the partner, sharing medical notes with the partner. A withdrawn consent counts
as none."""

from __future__ import annotations

from datetime import date

import pytest

from caseflow.accounts.models import Role
from caseflow.cases import workflow
from caseflow.cases.models import CaseStatus
from caseflow.cases.services import CaseDetails, Registration, register_case
from caseflow.errors import InvalidTransition, ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import Consent, ConsentPurpose
from tests import factories
from tests.cases.helpers import bring_to, case_at, make_world, move, stage_data
from tests.privacy import MEDICAL_NOTE, household

TODAY = date.today()


def withdraw(case, purpose):
    consent = case.principal.consent_for(purpose)
    consent.withdrawn_on = TODAY
    db.session.flush()


def test_no_case_is_registered_without_consent_to_processing(app):
    world = make_world()
    registration = Registration(
        details=CaseDetails(country_of_return="AL", municipality="Shkodër"),
        household=[factories.person_data()], consent_on=TODAY,
        consent_purposes=[ConsentPurpose.partner_sharing], duplicate_reason="test data")
    with pytest.raises(ValidationFailed) as refused:
        register_case(registration, by=world.caseworker)
    assert "consent_purposes" in refused.value.errors


def test_a_withdrawn_processing_consent_stops_the_application(app):
    world = make_world()
    case = bring_to(world.new_case(), CaseStatus.counselling, world)
    withdraw(case, ConsentPurpose.case_processing)
    with pytest.raises(InvalidTransition) as refused:
        move(case, "submit_application", world)
    assert refused.value.code == "precondition"
    assert "consent to data processing" in refused.value.message
    assert case.status is CaseStatus.counselling


def test_no_referral_without_consent_to_share_with_the_partner(app):
    case, world = case_at(CaseStatus.approved)
    withdraw(case, ConsentPurpose.partner_sharing)
    with pytest.raises(InvalidTransition) as refused:
        move(case, "refer", world)
    assert refused.value.code == "precondition"
    assert "sharing with the partner" in refused.value.message
    assert case.status is CaseStatus.approved and case.partner_id is None


def test_the_referral_form_says_why_and_changes_nothing(app, client, login_as):
    case, world = case_at(CaseStatus.approved)
    withdraw(case, ConsentPurpose.partner_sharing)
    db.session.commit()
    login_as(Role.caseworker, office=world.office)
    response = client.post(f"/cases/{case.number}/move/refer",
                           data=stage_data("refer", world))
    assert "sharing with the partner" in response.get_data(as_text=True)
    db.session.expire_all()
    assert case.status is CaseStatus.approved and case.partner_id is None


def test_a_recorded_consent_lets_the_referral_through(app):
    case, world = case_at(CaseStatus.approved)
    withdraw(case, ConsentPurpose.partner_sharing)
    case.principal.consents.append(Consent(purpose=ConsentPurpose.partner_sharing,
                                           given_on=TODAY))
    db.session.flush()
    workflow.transition(case, "refer", by=world.caseworker, data=stage_data("refer", world))
    assert case.status is CaseStatus.referred


@pytest.mark.parametrize("role", [Role.reintegration_officer, Role.manager])
def test_medical_notes_reach_the_partner_only_with_consent(app, client, login_as, role):
    case, world = case_at(CaseStatus.referred, household=household())
    db.session.commit()
    login_as(role, office=world.partner)
    page = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "Serious illness" in page  # the category is need-to-know for the partner
    assert MEDICAL_NOTE not in page

    case.principal.consents.append(Consent(purpose=ConsentPurpose.medical_sharing,
                                           given_on=TODAY))
    db.session.commit()
    assert MEDICAL_NOTE in client.get(f"/cases/{case.number}").get_data(as_text=True)

    withdraw(case, ConsentPurpose.medical_sharing)
    db.session.commit()
    assert MEDICAL_NOTE not in client.get(f"/cases/{case.number}").get_data(as_text=True)


def test_the_sending_office_sees_medical_notes_without_sharing_consent(app, client, login_as):
    case, world = case_at(CaseStatus.referred, household=household())
    db.session.commit()
    login_as(Role.caseworker, office=world.office)
    assert MEDICAL_NOTE in client.get(f"/cases/{case.number}").get_data(as_text=True)
