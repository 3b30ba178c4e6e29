# ruff: noqa: RUF001 - Cyrillic text on purpose
"""The three certificates besides departure: administrative assistance received, school
attendance in Belgium (per child) and completion of reintegration assistance. Their HTML in
each language pair, when they are offered (and why not), real PDFs, the timeline, who may
issue them and their verification."""

from __future__ import annotations

import io
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseflow.accounts.models import Role
from caseflow.assistance import services as assistance
from caseflow.assistance.models import ServiceStatus
from caseflow.cases import services as cases
from caseflow.cases.models import CaseEvent, EventKind
from caseflow.errors import AccessDenied, ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import SchoolLevel
from caseflow.printing import services
from caseflow.printing.models import Certificate, CertificateKind
from caseflow.printing.services import qr_data_uri, render_certificate_html
from caseflow.reintegration.models import SupportKind
from tests import factories
from tests.assistance import arrived_case, days_ago, service_type
from tests.cases.helpers import S, add_plan_line, bring_to, case_at, make_world, move
from tests.printing.test_pdf import text_of

K = CertificateKind
URL = "https://caseflow.example.org/verify/abcdefghijklmnopqrstuvwx"
FOOTNOTE_EN = ("* References to Kosovo shall be understood to be in the context of United "
               "Nations Security Council resolution 1244 (1999).")


# -- the documents as HTML -------------------------------------------------------------------
def base_context(language, return_language, country):
    return {"number": "CF-2026-000042", "issued_on": date(2026, 11, 27), "language": language,
            "return_language": return_language, "country": country,
            "office": {"name": "Return desk Brussels", "city": "Brussels"},
            "verify_url": URL, "qr_data_uri": qr_data_uri(URL)}


ARBEN = {"name": "Arben Hoxhë", "name_original": None, "date_of_birth": date(1985, 3, 14)}
DJORDJE = {"name": "Đorđe Jovanović", "name_original": "Ђорђе Јовановић",
           "date_of_birth": date(2015, 6, 2)}
PARTNER = {"name": "IOM Tirana", "city": "Tirana"}


def kind_context(kind):
    if kind is K.administrative_assistance:
        return {"partner": PARTNER, "services": [
            {**ARBEN, "code": "civil_registration",
             "names": {"fr": "Enregistrement à l'état civil", "nl": "Inschrijving burgerlijke "
                       "stand", "en": "Civil registration"},
             "completed_on": date(2026, 10, 5), "outcome": "Registered in Shkodër"},
            {**DJORDJE, "code": "custom_service",
             "names": {"fr": "Service local", "nl": "Lokale dienst", "en": "Local service"},
             "completed_on": date(2026, 10, 9), "outcome": "Done"}]}
    if kind is K.school_attendance:
        return {"child": DJORDJE, "school_records": [
            {"school": "École communale n°7", "town": "Schaerbeek", "year_from": 2022,
             "year_to": 2024, "level": "primary", "grade": "3e primaire"},
            {"school": "Athénée Royal", "town": "Ixelles", "year_from": 2025,
             "year_to": 2025, "level": "reception_class", "grade": ""}]}
    return {"partner": PARTNER, "returned_on": date(2026, 1, 15),
            "household": [ARBEN, DJORDJE],
            "lines": [{"kind": "housing", "description": "Roof repair",
                       "delivered_on": date(2026, 3, 4), "amount": "1250.00"},
                      {"kind": "business", "description": "Greenhouse",
                       "delivered_on": date(2026, 4, 1), "amount": "800.50"}],
            "total": "2050.50"}


def render(kind, language, return_language, country):
    """The document's text, entities decoded (escaping has its own test)."""
    return unescape(render_certificate_html(
        kind, {**base_context(language, return_language, country), **kind_context(kind)}))


# Texts each column must carry: (kind, language) -> texts.
EXPECTED = {
    (K.administrative_assistance, "fr"): ["Attestation d'assistance administrative reçue",
                                          "après leur retour",
                                          "Enregistrement à l'état civil", "Réalisé le"],
    (K.administrative_assistance, "nl"): ["Attest van ontvangen administratieve bijstand",
                                          "Noord-Macedonië", "Afgerond op"],
    (K.administrative_assistance, "en"): ["Attestation of administrative assistance received",
                                          "Civil registration", "Completed on"],
    (K.administrative_assistance, "sq"): ["Vërtetim i ndihmës administrative të marrë",
                                          "Regjistrimi në gjendjen civile", "Përfunduar më"],
    (K.administrative_assistance, "mk"): ["Потврда за добиена административна помош",
                                          "Упис во матичната книга", "Северна Македонија"],
    (K.administrative_assistance, "sr-Cyrl"): ["Потврда о примљеној административној помоћи",
                                               "Упис у матичне књиге", "након повратка у Србију"],
    (K.administrative_assistance, "sr-Latn"): ["Potvrda o primljenoj administrativnoj pomoći",
                                               "Upis u matične knjige", "nakon povratka u Srbiju"],
    (K.school_attendance, "fr"): ["Attestation de scolarité en Belgique", "Enseignement primaire",
                                  "Classe DASPA"],
    (K.school_attendance, "nl"): ["Attest van schoolloopbaan in België", "Lager onderwijs",
                                  "Schooljaren"],
    (K.school_attendance, "en"): ["Certificate of school attendance in Belgium",
                                  "Primary education", "School years"],
    (K.school_attendance, "sq"): ["Vërtetim i shkollimit në Belgjikë", "Arsimi fillor",
                                  "Vitet shkollore"],
    (K.school_attendance, "mk"): ["Потврда за школување во Белгија", "Основно образование",
                                  "Учебни години"],
    (K.school_attendance, "sr-Cyrl"): ["Потврда о школовању у Белгији", "Основно образовање",
                                       "Школске године"],
    (K.school_attendance, "sr-Latn"): ["Potvrda o školovanju u Belgiji", "Osnovno obrazovanje",
                                       "Školske godine"],
    (K.reintegration_completed, "fr"): ["Attestation de fin de l'aide à la réintégration",
                                        "Logement", "1250,00", "2050,50"],
    (K.reintegration_completed, "nl"): ["Attest van voltooide re-integratiesteun",
                                        "Huisvesting", "Totaal", "2050,50"],
    (K.reintegration_completed, "en"): ["Certificate of completion of reintegration assistance",
                                        "Housing", "1250.00", "2050.50"],
    (K.reintegration_completed, "sq"): ["Vërtetim i përfundimit të ndihmës për riintegrim",
                                        "Strehim", "Gjithsej", "e kthyer në"],
    (K.reintegration_completed, "mk"): ["Потврда за завршена помош за реинтеграција",
                                        "Домување", "Вкупно"],
    (K.reintegration_completed, "sr-Cyrl"): ["Потврда о завршеној помоћи за реинтеграцију",
                                             "Становање", "враћено у Србију дана 15.01.2026"],
    (K.reintegration_completed, "sr-Latn"): ["Potvrda o završenoj pomoći za reintegraciju",
                                             "Stanovanje", "vraćeno u Srbiju dana 15.01.2026"],
}
PAIRS = [("fr", "sq", "AL"), ("nl", "mk", "MK"), ("en", "sr-Cyrl", "RS"),
         ("en", "sr-Latn", "RS"), ("fr", "sq", "XK")]
NEW_KINDS = [K.administrative_assistance, K.school_attendance, K.reintegration_completed]


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.mark.usefixtures("request_context")
@pytest.mark.parametrize("kind", NEW_KINDS)
@pytest.mark.parametrize(("language", "return_language", "country"), PAIRS)
def test_each_kind_in_each_language_pair(kind, language, return_language, country):
    html = render(kind, language, return_language, country)

    for text in EXPECTED[(kind, language)] + EXPECTED[(kind, return_language)]:
        assert text in html, text
    assert f'data-language="{language}"' in html
    assert f'data-language="{return_language}"' in html
    # Names in document form and in the original script, in both columns.
    assert html.count("Đorđe Jovanović") == 2 and html.count("Ђорђе Јовановић") == 2
    assert "CF-2026-000042" in html and "27.11.2026" in html
    assert 'src="data:image/png;base64,' in html and URL in html
    assert html.count("Return desk Brussels, Brussels") == 3  # header and both columns
    assert ("1244 (1999)" in html) is (country == "XK")


@pytest.mark.usefixtures("request_context")
def test_serbian_latin_columns_hold_no_cyrillic_text_but_the_original_names():
    for kind in NEW_KINDS:
        html = render(kind, "en", "sr-Latn", "RS").replace("Ђорђе Јовановић", "")
        assert not any("\u0400" <= char <= "\u04ff" for char in html), kind


@pytest.mark.usefixtures("request_context")
def test_kosovo_footnote_in_both_columns():
    for kind in NEW_KINDS:
        html = render(kind, "en", "sq", "XK")
        assert FOOTNOTE_EN in html and "Rezolutës 1244 (1999)" in html
        # The school certificate is about Belgium and does not name the country of return.
        if kind is not K.school_attendance:
            assert "Kosovo*" in html and "Kosovë*" in html


@pytest.mark.usefixtures("request_context")
def test_data_of_each_document():
    school = render(K.school_attendance, "en", "sq", "AL")
    # 2022 to 2024 are the school years 2022-2023 to 2024-2025.
    assert "2022–2025" in school and "2025–2026" in school
    assert "École communale n°7" in school and "Schaerbeek" in school
    assert "3e primaire" in school and "15.01" not in school
    assistance_html = render(K.administrative_assistance, "en", "sq", "AL")
    assert "Registered in Shkodër" in assistance_html and "05.10.2026" in assistance_html
    # A service type the template does not know keeps its issuing-language name.
    assert assistance_html.count("Local service") == 2
    assert "IOM Tirana, Tirana" in assistance_html
    completion = render(K.reintegration_completed, "fr", "sq", "AL")
    assert "Roof repair" in completion and "04.03.2026" in completion
    assert "Sipërmarrje" in completion and "Activité indépendante" in completion


@pytest.mark.usefixtures("request_context")
def test_user_text_is_escaped_in_the_new_documents():
    hostile = '<img src="file:///etc/passwd">'
    context = {**base_context("fr", "sq", "AL"),
               "child": {**DJORDJE, "name": hostile},
               "school_records": [{"school": hostile, "town": "x", "year_from": 2022,
                                   "year_to": 2022, "level": "primary", "grade": hostile}]}
    html = render_certificate_html(K.school_attendance, context)
    assert "<img src=\"file:" not in html and "&lt;img src=&#34;file:" in html


# -- cases that have (or lack) what each certificate needs -----------------------------------
def with_completed_service(country="AL", **names):
    case, world = arrived_case(make_world(country), **names)
    principal = case.principal
    request = assistance.request_service(case, principal.id,
                                         service_type("civil_registration").id, days_ago(20),
                                         by=world.officer)
    assistance.update_service(request, ServiceStatus.completed, by=world.officer,
                              completed_on=days_ago(10), outcome="Registered in Shkodër")
    db.session.commit()
    return case, world


def with_school_history(country="AL", child=None):
    world = make_world(country)
    household = [factories.person_data(nationality=country),
                 child or factories.person_data("child", nationality=country),
                 factories.person_data("child", given_names="Besa", nationality=country)]
    case = world.new_case(household=household)
    first, second = [b for b in case.beneficiaries if b.role.value == "child"]
    cases.add_school_record(case, first, cases.SchoolData(
        school="École communale n°7", town="Schaerbeek", year_from=2022, year_to=2024,
        level=SchoolLevel.primary, grade="3e primaire"), by=world.caseworker)
    db.session.commit()
    return case, world, first, second


def completed_reintegration(country="AL", close=False):
    world = make_world(country)
    case = bring_to(world.new_case(), S.plan_drafted, world)
    add_plan_line(case, world, amount="1250.00", kind=SupportKind.housing,
                  description="Roof repair")
    move(case, "submit_plan", world, over_budget_reason="Vulnerable household, roof unsafe.")
    move(case, "approve_plan", world, approve_over_budget=True)
    move(case, "start_implementation", world)
    move(case, "start_monitoring", world)  # delivers the open lines first
    if close:
        move(case, "close", world, closure_reason="completed")
    db.session.commit()
    return case, world


def reason_for(case, kind, person=None):
    return next(o.reason for o in services.offers(case)
                if o.kind is kind and o.beneficiary is person)


def test_what_a_freshly_departed_case_is_offered(app):
    household = [factories.person_data(), factories.person_data("child")]
    case, _world = case_at(S.departed, household=household)
    child = case.beneficiaries[1]
    assert reason_for(case, K.voluntary_departure) is None
    assert reason_for(case, K.administrative_assistance) == \
        "No completed administrative assistance yet."
    assert reason_for(case, K.school_attendance, child) == \
        f"No school history in Belgium is recorded for {child.full_name}."
    assert "not complete" in reason_for(case, K.reintegration_completed)


def test_a_household_without_children_is_told_so(app):
    case, _world = case_at(S.departed)
    assert reason_for(case, K.school_attendance) == "No child in the household."


def test_school_is_offered_per_child_with_a_history(app):
    case, _world, first, second = with_school_history()
    school = [o for o in services.offers(case) if o.kind is K.school_attendance]
    assert [(o.beneficiary, o.is_offered) for o in school] == [(first, True), (second, False)]


@pytest.mark.parametrize("stage", [S.plan_approved, S.in_implementation])
def test_completion_is_not_offered_before_monitoring(app, stage):
    world = make_world()
    case = bring_to(world.new_case(), stage, world)
    assert "not complete" in reason_for(case, K.reintegration_completed)
    with pytest.raises(ValidationFailed, match="not complete"):
        services.issue_certificate(case, K.reintegration_completed, by=world.manager,
                                   language="fr")


def test_completion_is_offered_in_monitoring_and_after_closing_as_completed(app):
    case, _world = completed_reintegration()
    assert reason_for(case, K.reintegration_completed) is None
    closed, _world = completed_reintegration(close=True)
    assert reason_for(closed, K.reintegration_completed) is None


def test_closing_for_another_reason_is_not_completion(app):
    case, world = completed_reintegration()
    move(case, "close", world, closure_reason="re_migrated")
    assert "not complete" in reason_for(case, K.reintegration_completed)


def test_ineligible_requests_are_refused_with_the_reason(app):
    departed, world = case_at(S.departed)
    with pytest.raises(ValidationFailed, match="No completed administrative assistance yet"):
        services.issue_certificate(departed, K.administrative_assistance, by=world.manager,
                                   language="fr")
    case, world, _first, second = with_school_history()
    with pytest.raises(ValidationFailed, match="No school history"):
        services.issue_certificate(case, K.school_attendance, by=world.manager, language="fr",
                                   beneficiary=second)
    with pytest.raises(ValidationFailed, match="Choose a child"):
        services.issue_certificate(case, K.school_attendance, by=world.manager, language="fr")
    with pytest.raises(ValidationFailed, match="Choose a child"):
        services.issue_certificate(case, K.school_attendance, by=world.manager, language="fr",
                                   beneficiary=case.principal)
    other, _other_world, other_child, _ = with_school_history()
    with pytest.raises(ValidationFailed, match="Choose a child"):
        services.issue_certificate(case, K.school_attendance, by=world.manager, language="fr",
                                   beneficiary=other_child)
    with pytest.raises(ValidationFailed):
        services.issue_certificate(case, "no_such_kind", by=world.manager, language="fr")
    assert db.session.scalar(select(Certificate).where(
        Certificate.case_id.in_([departed.id, case.id, other.id]))) is None


def test_the_database_ties_the_child_to_the_school_kind(app):
    case, world, first, _second = with_school_history()
    cert = services.issue_certificate(case, K.school_attendance, by=world.manager,
                                      language="fr", beneficiary=first)
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        cert.beneficiary_id = None
        db.session.flush()
    db.session.rollback()
    departure, departed_world = case_at(S.departed)
    other = services.issue_departure_certificate(departure, by=departed_world.manager,
                                                 language="fr")
    with pytest.raises(IntegrityError), db.session.begin_nested():
        other.beneficiary_id = departure.principal.id
        db.session.flush()


# -- real PDFs ---------------------------------------------------------------------------------
def test_school_certificate_pdf_keeps_cyrillic_and_albanian_names(app):
    child = factories.person_data("child", given_names="Djordje", family_name="Jovanović",
                                  name_original="Ђорђе Јовановић", nationality="RS")
    case, world, first, _second = with_school_history("RS", child=child)
    cert = services.issue_certificate(case, K.school_attendance, by=world.manager,
                                      language="en", script="cyrl", beneficiary=first)
    db.session.commit()
    assert (cert.kind, cert.beneficiary_id, cert.return_language) == \
        (K.school_attendance, first.id, "sr-Cyrl")
    text = text_of(services.stored_bytes(cert))
    assert "Ђорђе" in text and "Djordje Jovanović" in text
    assert "Потврда о школовању у Белгији" in text and "Schaerbeek" in text


def test_assistance_pdf_keeps_albanian_letters(app):
    case, world = with_completed_service(given_names="Arben", family_name="Hoxhë")
    cert = services.issue_certificate(case, K.administrative_assistance, by=world.manager,
                                      language="fr")
    db.session.commit()
    text = text_of(services.stored_bytes(cert))
    assert "Hoxhë" in text and "Regjistrimi në gjendjen civile" in text
    assert "Enregistrement à l'état civil" in text and "Registered in Shkodër" in text


def test_completion_pdf_lists_the_delivered_lines(app):
    case, world = completed_reintegration("XK", close=True)
    cert = services.issue_certificate(case, K.reintegration_completed, by=world.manager,
                                      language="en")
    db.session.commit()
    text = text_of(services.stored_bytes(cert))
    assert "Roof repair" in text and "1250.00" in text and "1250,00" in text
    assert "Kosovo*" in text and "1244 (1999)" in text


# -- timeline ----------------------------------------------------------------------------------
def certificate_events(case):
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.in_(
            [EventKind.certificate_issued, EventKind.certificate_revoked]))
        .order_by(CaseEvent.id)))


def test_issuing_and_revoking_write_the_timeline_without_moving_the_version(app):
    case, world, first, _second = with_school_history()
    version = case.version
    cert = services.issue_certificate(case, K.school_attendance, by=world.manager,
                                      language="nl", beneficiary=first)
    services.revoke_certificate(cert, by=world.manager, reason="Wrong school year.")
    again = services.issue_certificate(case, K.school_attendance, by=world.manager,
                                       language="nl", beneficiary=first)
    db.session.commit()
    events = certificate_events(case)
    assert [e.kind for e in events] == [EventKind.certificate_issued,
                                        EventKind.certificate_revoked,
                                        EventKind.certificate_issued]
    assert events[0].data == {"number": cert.number, "kind": "school_attendance",
                              "person": first.full_name}
    assert events[1].note == "Wrong school year." and events[1].by_id == world.manager.id
    assert events[2].data["number"] == again.number != cert.number
    assert case.version == version


def test_the_timeline_reads_well_for_the_office_and_shows_nothing_to_the_partner(
        client, login_as):
    case, world = with_completed_service()
    cert = services.issue_certificate(case, K.administrative_assistance, by=world.manager,
                                      language="fr")
    services.revoke_certificate(cert, by=world.manager, reason="Typo in the outcome.")
    db.session.commit()
    login_as(Role.caseworker, office=world.office)
    html = client.get(f"/cases/{case.number}").get_data(as_text=True)
    label = "Attestation of administrative assistance received"
    assert f"issued certificate {cert.number} ({label})" in html
    assert f"revoked certificate {cert.number} ({label})" in html
    assert "Typo in the outcome." in html

    client.post("/logout")
    login_as(Role.reintegration_officer, office=world.partner)
    page = client.get(f"/cases/{case.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert cert.number not in html and 'id="certificates"' not in html


# -- the case page and who may issue -----------------------------------------------------------
def test_the_panel_offers_what_the_case_may_have_and_says_why_not(client, login_as):
    case, world, first, second = with_school_history()
    login_as(Role.manager, office=world.office)
    html = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert f'action="/cases/{case.number}/certificates/school"' in html
    assert f'name="beneficiary_id" value="{first.id}"' in html
    assert f'name="beneficiary_id" value="{second.id}"' not in html
    assert f"No school history in Belgium is recorded for {second.full_name}." in html
    assert "No completed administrative assistance yet." in html
    assert "A departure certificate needs a confirmed departure." in html
    assert "Reintegration assistance is not complete yet" in html
    for slug in ("departure", "assistance", "reintegration"):
        assert f"/certificates/{slug}\"" not in html


def test_the_caseworker_sees_certificates_but_no_offers(client, login_as):
    case, world, _first, _second = with_school_history()
    login_as(Role.caseworker, office=world.office)
    html = client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert 'id="certificates"' in html
    assert "/certificates/school" not in html
    assert "No school history in Belgium is recorded" not in html


def test_manager_issues_a_school_certificate_over_http(client, login_as):
    case, world, first, second = with_school_history()
    login_as(Role.manager, office=world.office)
    response = client.post(f"/cases/{case.number}/certificates/school",
                           data={"language": "fr", "beneficiary_id": str(first.id)})
    assert response.status_code == 302
    cert = db.session.scalars(select(Certificate).where(Certificate.case_id == case.id)).one()
    assert cert.kind is K.school_attendance and cert.beneficiary_id == first.id

    refused = client.post(f"/cases/{case.number}/certificates/school",
                          data={"language": "fr", "beneficiary_id": str(second.id)},
                          follow_redirects=True)
    assert refused.status_code == 200
    assert "No school history in Belgium is recorded" in refused.get_data(as_text=True)
    for bad in ("abc", "-3", "99999999999"):
        response = client.post(f"/cases/{case.number}/certificates/school",
                               data={"language": "fr", "beneficiary_id": bad},
                               follow_redirects=True)
        assert response.status_code == 200
        assert "Choose a child of this household." in response.get_data(as_text=True)
    assert client.post(f"/cases/{case.number}/certificates/nonsense",
                       data={"language": "fr"}).status_code == 404
    assert db.session.query(Certificate).filter_by(case_id=case.id).count() == 1


def test_manager_issues_the_completion_over_http_with_a_serbian_script(client, login_as):
    case, world = completed_reintegration("RS")
    login_as(Role.manager, office=world.office)
    missing = client.post(f"/cases/{case.number}/certificates/reintegration",
                          data={"language": "en"}, follow_redirects=True)
    assert "Choose the Cyrillic or Latin script" in missing.get_data(as_text=True)
    response = client.post(f"/cases/{case.number}/certificates/reintegration",
                           data={"language": "en", "script": "latn"})
    assert response.status_code == 302
    cert = db.session.scalars(select(Certificate).where(Certificate.case_id == case.id)).one()
    assert (cert.kind, cert.return_language) == (K.reintegration_completed, "sr-Latn")


@pytest.mark.parametrize("who", ["caseworker", "partner_officer", "other_manager"])
def test_who_cannot_issue_a_new_kind(client, login_as, who):
    case, world, first, _second = with_school_history()
    if who == "caseworker":
        login_as(Role.caseworker, office=world.office)
    elif who == "partner_officer":
        login_as(Role.reintegration_officer, office=world.partner)
    else:
        login_as(Role.manager)
    response = client.post(f"/cases/{case.number}/certificates/school",
                           data={"language": "fr", "beneficiary_id": str(first.id)})
    assert response.status_code == (403 if who == "caseworker" else 404)
    assert db.session.query(Certificate).filter_by(case_id=case.id).count() == 0


def test_the_partner_officer_cannot_issue_on_a_case_it_sees(client, login_as):
    case, world = with_completed_service()
    login_as(Role.reintegration_officer, office=world.partner)
    assert client.get(f"/cases/{case.number}").status_code == 200
    response = client.post(f"/cases/{case.number}/certificates/assistance",
                           data={"language": "fr"})
    assert response.status_code == 403
    with pytest.raises(AccessDenied):
        services.issue_certificate(case, K.administrative_assistance, by=world.officer,
                                   language="fr")
    assert db.session.query(Certificate).filter_by(case_id=case.id).count() == 0


# -- verification ------------------------------------------------------------------------------
def upload(client, code, data):
    return client.post(f"/verify/{code}", data={"file": (io.BytesIO(data), "copy.pdf")},
                       content_type="multipart/form-data")


def test_verify_a_school_certificate_genuine_altered_and_revoked(client):
    child = factories.person_data("child", given_names="Elira", family_name="Hoxhë",
                                  date_of_birth=date(2014, 9, 1))
    case, world, first, _second = with_school_history(child=child)
    cert = services.issue_certificate(case, K.school_attendance, by=world.manager,
                                      language="en", beneficiary=first)
    db.session.commit()
    data = services.stored_bytes(cert)
    code = cert.verification_code

    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "School attendance in Belgium" in page
    # The holder is the child: initials and birth year only.
    assert "E.H." in page and "2014" in page and "Elira" not in page

    genuine = upload(client, code, data).get_data(as_text=True)
    assert 'data-result="match"' in genuine and "Valid" in genuine
    altered = bytearray(data)
    altered[len(altered) // 3] ^= 0x01
    assert 'data-result="mismatch"' in upload(client, code, bytes(altered)).get_data(
        as_text=True)

    services.revoke_certificate(cert, by=world.manager, reason="Issued for the wrong child.")
    db.session.commit()
    revoked = upload(client, code, data).get_data(as_text=True)
    assert "Revoked" in revoked and 'data-result="match"' in revoked


@pytest.mark.parametrize(("kind", "label"), [
    (K.administrative_assistance, "Attestation of administrative assistance received"),
    (K.reintegration_completed, "Completion of reintegration assistance"),
])
def test_verify_page_names_each_kind(client, kind, label):
    if kind is K.administrative_assistance:
        case, world = with_completed_service()
    else:
        case, world = completed_reintegration()
    cert = services.issue_certificate(case, kind, by=world.manager, language="nl")
    db.session.commit()
    assert label in client.get(f"/verify/{cert.verification_code}").get_data(as_text=True)



def test_a_child_holding_a_certificate_cannot_be_removed_from_the_household(app):
    case, world, first, _second = with_school_history()
    services.issue_certificate(case, K.school_attendance, by=world.manager, language="fr",
                               beneficiary=first)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="holds an issued certificate"):
        cases.remove_person(case, first, by=world.caseworker, expected_version=case.version)
    db.session.rollback()
    assert first in case.beneficiaries
