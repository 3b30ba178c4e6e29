"""The declared access table: for every route of the app, how to reach it and what each kind of
visitor must get back.

A *principal* is who asks: nobody, staff of the case's sending office, staff of another sending
office, the partner organisation the case is referred to, or a partner that was not. The
*world* (`build_world`) is one sending office's household walked through return to
reintegration, plus a second case whose plan is still a draft, with everything the routes point
at (people, visits, plan lines, services, a scan, a certificate, a finished job, an API token).

An answer is a category, not a status code: see `category()`. `TABLE` maps each endpoint name
to an `Entry`; tests/security/test_access.py checks that the table and `app.url_map` name the
same endpoints and walks the table for every principal.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from caseflow.accounts.models import Office, OfficeKind, Role, User
from caseflow.accounts.tokens import create_token
from caseflow.assistance import services as assistance
from caseflow.cases.models import CaseStatus
from caseflow.documents.services import attach_document
from caseflow.extensions import db
from caseflow.followups.models import VisitMode
from caseflow.followups.services import record_visit
from caseflow.jobs import services as jobs
from caseflow.printing.services import issue_certificate
from tests import factories
from tests.cases import helpers

TODAY = date.today().isoformat()
SCAN = b"%PDF-1.4\n% a scan for the access table\n%%EOF\n"


class Principal(enum.StrEnum):
    anonymous = "anonymous"
    caseworker = "caseworker"              # of the case's sending office
    manager = "manager"                    # of the case's sending office
    admin = "admin"                        # an administrator whose office is the sending office
    other_caseworker = "other_caseworker"  # of another sending office
    other_manager = "other_manager"        # of another sending office
    partner_officer = "partner_officer"    # reintegration officer of the partner referred to
    partner_manager = "partner_manager"    # manager at the partner referred to
    other_partner_officer = "other_partner_officer"  # officer of a partner not referred to


# Who each principal is: a role in an office of the world.
ROLES: dict[Principal, tuple[Role, str]] = {
    Principal.caseworker: (Role.caseworker, "office"),
    Principal.manager: (Role.manager, "office"),
    Principal.admin: (Role.admin, "office"),
    Principal.other_caseworker: (Role.caseworker, "other_office"),
    Principal.other_manager: (Role.manager, "other_office"),
    Principal.partner_officer: (Role.reintegration_officer, "partner"),
    Principal.partner_manager: (Role.manager, "partner"),
    Principal.other_partner_officer: (Role.reintegration_officer, "other_partner"),
}


# -- categories ------------------------------------------------------------------------------
OK = "ok"                # 2xx or 3xx; 400/413/415/422 too: the request got past the access check
LOGIN = "login"          # 302 to the login page (pages) or 401 (API)
FORBIDDEN = "forbidden"  # 403
HIDDEN = "hidden"        # 404: the thing's existence is not revealed
REFUSED = "refused"      # 409: the case is visible but this user may not make this stage move


def category(status: int, location: str | None, api: bool = False) -> str:
    """The category of an answer. Pages send visitors to log in with a redirect that asks to
    come back (`?next=`: logging out also ends on the login page, successfully); the API
    answers 401 and never redirects."""
    if 300 <= status < 400:
        target = urlsplit(location or "")
        if api:
            return f"redirect to {target.path}"
        if target.path == "/login" and "next" in parse_qs(target.query):
            return LOGIN
        return OK
    if status == 401 and api:
        return LOGIN
    if status in (400, 413, 415, 422) or 200 <= status < 300:
        return OK
    return {403: FORBIDDEN, 404: HIDDEN, 409: REFUSED}.get(status, f"status {status}")


Expect = Mapping[Principal, str]


def signed_in(default: str = OK, **overrides: str) -> dict[Principal, str]:
    """Anonymous visitors are sent to log in; every other principal gets `default` unless
    named."""
    expected = {p: default for p in Principal}
    expected[Principal.anonymous] = LOGIN
    expected.update({Principal(name): value for name, value in overrides.items()})
    return expected


PUBLIC = {p: OK for p in Principal}
SIGNED_IN = signed_in()
ADMIN_ONLY = signed_in(FORBIDDEN, admin=OK)
# Who sees the case: its sending office, admins, and the partner it is referred to (the
# partner's officers and managers alike, see Case.can_view).
CASE_READERS = signed_in(HIDDEN, caseworker=OK, manager=OK, admin=OK, partner_officer=OK,
                         partner_manager=OK)
# Identity, household and return data: the sending office's caseworkers and managers.
CASE_EDITORS = signed_in(HIDDEN, caseworker=OK, manager=OK, admin=FORBIDDEN,
                         partner_officer=FORBIDDEN, partner_manager=FORBIDDEN)
# A move of the sending office (hold): the others who see the case are told why not (409).
SENDING_MOVE = signed_in(HIDDEN, caseworker=OK, manager=OK, admin=REFUSED,
                         partner_officer=REFUSED, partner_manager=REFUSED)
# Plan lines, services and follow-up visits: the partner's reintegration officers.
PARTNER_WORK = signed_in(HIDDEN, partner_officer=OK, caseworker=FORBIDDEN, manager=FORBIDDEN,
                         admin=FORBIDDEN, partner_manager=FORBIDDEN)
# Scans: whoever sees the case except admins (can_attach_documents).
ATTACHERS = {**CASE_READERS, Principal.admin: FORBIDDEN}
# Registration: caseworkers and managers of any sending office.
REGISTRARS = signed_in(FORBIDDEN, caseworker=OK, manager=OK, other_caseworker=OK,
                       other_manager=OK)
# Programme reports: managers (of their own cases) and admins.
PROGRAMME = signed_in(FORBIDDEN, manager=OK, other_manager=OK, partner_manager=OK, admin=OK)
# Batch printing of the office's departure attestations: managers.
BATCH_PRINTERS = signed_in(FORBIDDEN, manager=OK, other_manager=OK, partner_manager=OK)
# The job belongs to the sending office's manager: the owner and admins see it.
JOB_OWNER = signed_in(HIDDEN, manager=OK, admin=OK)
TWO_FACTOR_USERS = signed_in(OK, caseworker=FORBIDDEN, other_caseworker=FORBIDDEN,
                             partner_officer=FORBIDDEN, other_partner_officer=FORBIDDEN)
# Subject access exports: the case's sending-office managers and admins answer the request.
SUBJECT_ACCESS = signed_in(HIDDEN, manager=OK, admin=OK, caseworker=FORBIDDEN,
                           partner_officer=FORBIDDEN, partner_manager=FORBIDDEN)
# The audit trail: managers (their office's part) and admins.
AUDIT_READERS = signed_in(FORBIDDEN, manager=OK, other_manager=OK, partner_manager=OK,
                          admin=OK)
# Certificates are sending-office documents: a partner is not told they exist.
CERTIFICATE_READERS = signed_in(HIDDEN, caseworker=OK, manager=OK, admin=OK)
CERTIFICATE_ISSUERS = signed_in(HIDDEN, manager=OK, caseworker=FORBIDDEN, admin=FORBIDDEN,
                                partner_officer=FORBIDDEN, partner_manager=FORBIDDEN)
CERTIFICATE_REVOKERS = signed_in(HIDDEN, manager=OK, caseworker=FORBIDDEN, admin=FORBIDDEN)


# -- the world -------------------------------------------------------------------------------
@dataclass
class AccessWorld:
    """Plain values (numbers and ids) of what the routes point at, so that they stay valid
    whatever a request does to the session it ran in."""

    principal: Principal
    user_id: int | None
    case: str                  # in implementation: plan approved, visits, services, scan...
    draft_case: str            # plan drafted, one line: what only a draft allows
    case_version: int
    person_id: int
    child_id: int
    visit_done_id: int
    visit_open_id: int
    visit_open_version: int
    line_id: int
    draft_line_id: int
    service_id: int
    service_version: int
    service_type_id: int
    document_id: int
    certificate_id: int
    certificate_code: str
    job_id: int
    token_id: int              # the principal's own API token (anonymous: the caseworker's)
    other_token_id: int        # a token of someone else
    login_email: str           # the caseworker's: a login without a second factor
    manager_email: str         # a login that stops at the second factor
    other_user_id: int
    other_office_id: int
    manager_id: int            # the sending office's manager, enrolled in two-factor login
    headers: dict[str, str] = field(default_factory=dict)


def build_world(principal: Principal, login: Callable[..., User]) -> AccessWorld:
    """Make the offices, log `principal` in (through the login_as fixture) and build the
    cases around them. The logged-in user plays their part in the world (the manager who
    issued the certificate and asked for the job is the logged-in manager)."""
    offices = {
        "office": factories.make_office(kind=OfficeKind.sending),
        "other_office": factories.make_office(kind=OfficeKind.sending),
        "partner": factories.make_office(kind=OfficeKind.partner, country="AL"),
        "other_partner": factories.make_office(kind=OfficeKind.partner, country="AL"),
    }
    user = None
    if principal is not Principal.anonymous:
        role, office = ROLES[principal]
        user = login(role, office=offices[office])

    def person(slot: Principal, role: Role, office: Office) -> User:
        return user if principal is slot and user is not None else \
            factories.make_user(role, office=office)

    world = helpers.World(
        office=offices["office"],
        caseworker=person(Principal.caseworker, Role.caseworker, offices["office"]),
        manager=person(Principal.manager, Role.manager, offices["office"]),
        partner=offices["partner"],
        officer=person(Principal.partner_officer, Role.reintegration_officer,
                       offices["partner"]),
        country="AL")
    other_user = factories.make_user(Role.caseworker, office=offices["other_office"])

    case = world.new_case(household=[factories.person_data(),
                                     factories.person_data("child")])
    helpers.bring_to(case, CaseStatus.in_implementation, world)
    principal_person = case.principal
    child = next(b for b in case.beneficiaries if b is not principal_person)
    visits = sorted(case.visits, key=lambda v: v.sequence)
    record_visit(visits[0], by=world.officer, done_on=date.today(), mode=VisitMode.home_visit,
                 notes="Met the family at home.")
    service_type = assistance.service_types()[0]
    service = assistance.request_service(case, principal_person.id, service_type.id,
                                         date.today(), by=world.officer)
    document = attach_document(case, io.BytesIO(SCAN), filename="passport.pdf",
                               title="Passport scan", by=world.caseworker)
    certificate = issue_certificate(case, "voluntary_departure", by=world.manager,
                                    language="fr")
    job = jobs.submit("programme_report", {"date_from": f"{date.today().year}-01-01",
                                           "date_to": TODAY, "format": "csv"},
                      by=world.manager)

    draft = world.new_case()
    helpers.bring_to(draft, CaseStatus.plan_drafted, world)
    draft_line = helpers.add_plan_line(draft, world)

    token_owner = user or world.caseworker
    token, secret = create_token(token_owner, "access table")
    other_token, _secret = create_token(other_user, "someone else's script")
    db.session.commit()
    return AccessWorld(
        principal=principal, user_id=user.id if user else None,
        case=case.number, draft_case=draft.number, case_version=case.version,
        person_id=principal_person.id, child_id=child.id,
        visit_done_id=visits[0].id, visit_open_id=visits[1].id,
        visit_open_version=visits[1].version,
        line_id=case.plan.lines[0].id, draft_line_id=draft_line.id,
        service_id=service.id, service_version=service.version,
        service_type_id=service_type.id, document_id=document.id,
        certificate_id=certificate.id, certificate_code=certificate.verification_code,
        job_id=job.id, token_id=token.id, other_token_id=other_token.id,
        login_email=world.caseworker.email, manager_email=world.manager.email,
        other_user_id=other_user.id, other_office_id=offices["other_office"].id,
        manager_id=world.manager.id,
        headers={"Authorization": f"Bearer {secret}"} if user else {})


# -- entries ---------------------------------------------------------------------------------
Values = Callable[[AccessWorld], dict[str, Any]]


def _none(_world: AccessWorld) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Entry:
    """How to call one endpoint and what each principal gets.

    `values` fill the route's variables; `body` is the form (pages) or JSON (API) sent with
    every method but GET: well-formed enough to get past the access check, and for most
    routes a valid change."""

    expect: Expect
    values: Values = _none
    methods: tuple[str, ...] = ("GET",)
    body: Values = _none
    api: bool = False
    # Run after every other entry (it ends the session).
    last: bool = False
    # Tells variants of one endpoint apart in the test's messages.
    label: str = ""
    # What the same browser did just before (in the same rolled-back savepoint).
    before: Callable[[Any, AccessWorld], object] | None = None


def page(expect: Expect, values: Values = _none) -> Entry:
    return Entry(expect, values)


def form(expect: Expect, values: Values = _none, body: Values = _none) -> Entry:
    """A page with a form: GET shows it, POST sends `body`."""
    return Entry(expect, values, ("GET", "POST"), body)


def post(expect: Expect, values: Values = _none, body: Values = _none, **kw: Any) -> Entry:
    return Entry(expect, values, ("POST",), body, **kw)


def password_of_manager(client: Any, world: AccessWorld) -> object:
    """The manager's password typed in this browser: the login waits for the code."""
    return client.post("/login", data={"email": world.manager_email,
                                       "password": factories.PASSWORD})


def api(method: str, expect: Expect, values: Values = _none, body: Values = _none) -> Entry:
    return Entry(expect, values, (method,), body, api=True)


def on_case(w: AccessWorld) -> dict[str, Any]:
    return {"number": w.case}


def on_draft(w: AccessWorld) -> dict[str, Any]:
    return {"number": w.draft_case}


def on_person(w: AccessWorld) -> dict[str, Any]:
    return {"number": w.case, "person_id": w.person_id}


def on_child(w: AccessWorld) -> dict[str, Any]:
    return {"number": w.case, "person_id": w.child_id}


HOLD_NOTE = "Paused while the family thinks it over."

TABLE: dict[str, Entry | tuple[Entry, ...]] = {
    # -- accounts ------------------------------------------------------------------------
    "accounts.login": form(PUBLIC, body=lambda w: {
        "email": w.login_email, "password": factories.PASSWORD}),
    "accounts.logout": post(PUBLIC, last=True),
    "accounts.change_password": form(SIGNED_IN, body=lambda w: {
        "current_password": "not the password at all", "new_password": "x"}),
    "accounts.tokens": form(SIGNED_IN, body=lambda w: {"name": "a script"}),
    # One's own token; someone else's is not found, even by an admin.
    "accounts.revoke": (
        post(SIGNED_IN, lambda w: {"token_id": w.token_id}, label="own token"),
        post(signed_in(HIDDEN), lambda w: {"token_id": w.other_token_id},
             label="someone else's token")),
    # Without a password checked first it sends back to the login page; signed in, to the
    # dashboard: nobody gets anything from it. After the password, it asks for the code.
    "accounts.two_factor_login": (
        form(PUBLIC, body=lambda w: {"code": "000000"}),
        Entry(PUBLIC, methods=("GET", "POST"), body=lambda w: {"code": "000000"},
              before=password_of_manager, label="after the manager's password")),
    "accounts.two_factor_setup": form(SIGNED_IN, body=lambda w: {"code": "000000"}),
    # Recovery codes exist only with two-factor login on (the factories enrol managers and
    # admins; caseworkers and officers have not opted in).
    "accounts.regenerate_recovery_codes": post(TWO_FACTOR_USERS, body=lambda w: {
        "regenerate-code": "000000"}),
    "accounts.turn_off_two_factor": post(SIGNED_IN, body=lambda w: {"off-code": "000000"}),
    "accounts.set_language": post(PUBLIC, body=lambda w: {"language": "fr", "next": "/"}),
    # -- administration ------------------------------------------------------------------
    "admin.users": page(ADMIN_ONLY),
    "admin.new_user": form(ADMIN_ONLY),
    "admin.edit_user": form(ADMIN_ONLY, lambda w: {"user_id": w.other_user_id}),
    "admin.deactivate_user": form(ADMIN_ONLY, lambda w: {"user_id": w.other_user_id}),
    "admin.reactivate_user": post(ADMIN_ONLY, lambda w: {"user_id": w.other_user_id}),
    "admin.end_sessions": form(ADMIN_ONLY, lambda w: {"user_id": w.other_user_id}),
    "admin.reset_two_factor": form(ADMIN_ONLY, lambda w: {"user_id": w.manager_id}),
    "admin.offices": page(ADMIN_ONLY),
    "admin.new_office": form(ADMIN_ONLY),
    "admin.edit_office": form(ADMIN_ONLY, lambda w: {"office_id": w.other_office_id}),
    "admin.deactivate_office": form(ADMIN_ONLY, lambda w: {"office_id": w.other_office_id}),
    "admin.reactivate_office": post(ADMIN_ONLY, lambda w: {"office_id": w.other_office_id}),
    "assistance.service_types": page(ADMIN_ONLY),
    "assistance.new_service_type": form(ADMIN_ONLY),
    "assistance.edit_service_type": form(ADMIN_ONLY, lambda w: {"type_id": w.service_type_id}),
    "reintegration.rules": form(ADMIN_ONLY),
    "followups.rss_versions": page(ADMIN_ONLY),
    "audit.index": page(AUDIT_READERS, lambda w: {"case": w.case}),
    # -- everyone signed in --------------------------------------------------------------
    "dashboard.index": page(SIGNED_IN),
    "cases.index": page(SIGNED_IN),
    "jobs.index": page(SIGNED_IN),
    # -- cases ---------------------------------------------------------------------------
    "cases.register": form(REGISTRARS),
    "cases.show": page(CASE_READERS, on_case),
    "cases.edit": form(CASE_EDITORS, on_case),
    "cases.edit_person": form(CASE_EDITORS, on_person),
    "cases.add_person": form(CASE_EDITORS, on_case),
    "cases.remove_person": form(CASE_EDITORS, on_child, lambda w: {
        "version": str(w.case_version)}),
    "cases.add_identity_document": form(CASE_EDITORS, on_person, lambda w: {
        "kind": "passport", "number": "BX7654321", "issuing_country": "AL",
        "expires_on": "2036-01-01"}),
    "cases.add_school_record": form(CASE_EDITORS, on_child, lambda w: {
        "school": "Ecole communale 4", "town": "Schaerbeek", "year_from": "2021",
        "year_to": "2023", "level": "primary"}),
    "cases.log_session": form(CASE_EDITORS, on_case, lambda w: {
        "held_on": TODAY, "language": "Albanian"}),
    "cases.move": form(SENDING_MOVE, lambda w: {"number": w.case, "move_name": "hold"},
                       lambda w: {"note": HOLD_NOTE}),
    # -- data protection -----------------------------------------------------------------
    "privacy.export_json": page(SUBJECT_ACCESS, on_person),
    "privacy.export_pdf": page(SUBJECT_ACCESS, on_person),
    # -- documents -----------------------------------------------------------------------
    "documents.upload": form(ATTACHERS, on_case, lambda w: {
        "title": "Birth certificate", "beneficiary_id": "0",
        "file": (io.BytesIO(SCAN), "birth.pdf")}),
    "documents.download": page(CASE_READERS, lambda w: {"document_id": w.document_id}),
    # -- reintegration plan --------------------------------------------------------------
    "reintegration.add_line": form(PARTNER_WORK, on_draft, lambda w: {
        "kind": "administrative_assistance", "description": "Accompaniment to the town hall",
        "amount": "0.00", "beneficiary_id": "0"}),
    "reintegration.remove_line": post(PARTNER_WORK, lambda w: {
        "number": w.draft_case, "line_id": w.draft_line_id}),
    "reintegration.line_status": form(PARTNER_WORK, lambda w: {
        "number": w.case, "line_id": w.line_id}, lambda w: {"status": "in_progress"}),
    # -- administrative assistance -------------------------------------------------------
    "assistance.new_request": form(PARTNER_WORK, on_case, lambda w: {
        "beneficiary_id": str(w.child_id), "service_type_id": str(w.service_type_id),
        "requested_on": TODAY}),
    "assistance.update_request": form(PARTNER_WORK, lambda w: {
        "number": w.case, "request_id": w.service_id}, lambda w: {
        "version": str(w.service_version), "status": "in_progress"}),
    # -- follow-up visits ----------------------------------------------------------------
    "followups.record": form(PARTNER_WORK, lambda w: {
        "number": w.case, "visit_id": w.visit_open_id}, lambda w: {
        "version": str(w.visit_open_version), "done_on": TODAY, "mode": "phone",
        "notes": "Called the family."}),
    "followups.report": page(CASE_READERS, lambda w: {
        "number": w.case, "visit_id": w.visit_done_id}),
    # -- printed reports -----------------------------------------------------------------
    "reports.case_report_pdf": page(CASE_READERS, on_case),
    "reports.monitoring_pdf": page(CASE_READERS, on_case),
    "reports.visit_report_pdf": page(CASE_READERS, lambda w: {
        "number": w.case, "visit_id": w.visit_done_id}),
    # -- certificates --------------------------------------------------------------------
    "printing.issue": post(CERTIFICATE_ISSUERS, lambda w: {
        "number": w.case, "slug": "departure"}, lambda w: {"language": "nl"}),
    "printing.download": page(CERTIFICATE_READERS, lambda w: {
        "certificate_id": w.certificate_id}),
    "printing.revoke": post(CERTIFICATE_REVOKERS, lambda w: {
        "certificate_id": w.certificate_id}, lambda w: {"reason": "Issued with a typo."}),
    # Public: anyone holding the printed code may check it.
    "printing.verify": form(PUBLIC, lambda w: {"code": w.certificate_code}),
    # -- programme reports and jobs ------------------------------------------------------
    "programme.report": form(PROGRAMME),
    "jobs.departure_batch": form(BATCH_PRINTERS),
    "jobs.show": page(JOB_OWNER, lambda w: {"job_id": w.job_id}),
    "jobs.status": page(JOB_OWNER, lambda w: {"job_id": w.job_id}),
    "jobs.download": page(JOB_OWNER, lambda w: {"job_id": w.job_id}),
    # -- the JSON API (bearer tokens; no token is a 401) -----------------------------------
    "api.openapi_document": api("GET", PUBLIC),
    "api.get_workflow": api("GET", SIGNED_IN),
    "api.list_service_types": api("GET", SIGNED_IN),
    "api.get_rss": api("GET", SIGNED_IN),
    "api.list_cases": api("GET", SIGNED_IN),
    "api.create_case": api("POST", REGISTRARS),
    "api.check_duplicates": api("POST", REGISTRARS, body=lambda w: {"household": [{
        "given_names": "Arben", "family_name": "Hoxha", "date_of_birth": "1985-03-14"}]}),
    "api.get_case": api("GET", CASE_READERS, on_case),
    "api.update_case": api("PATCH", CASE_EDITORS, on_case, lambda w: {
        "version": w.case_version, "municipality": "Durrës"}),
    "api.case_history": api("GET", CASE_READERS, on_case),
    "api.transition_case": api("POST", SENDING_MOVE, on_case, lambda w: {
        "to": "hold", "data": {"note": HOLD_NOTE}}),
    "api.get_plan": api("GET", CASE_READERS, on_case),
    "api.add_plan_line": api("POST", PARTNER_WORK, on_draft, lambda w: {
        "kind": "administrative_assistance", "description": "Accompaniment to the town hall",
        "amount": "0.00"}),
    "api.remove_plan_line": api("DELETE", PARTNER_WORK, lambda w: {
        "number": w.draft_case, "line_id": w.draft_line_id}),
    "api.update_plan_line": api("PATCH", PARTNER_WORK, lambda w: {
        "number": w.case, "line_id": w.line_id}, lambda w: {"status": "in_progress"}),
    "api.list_services": api("GET", CASE_READERS, on_case),
    "api.request_service": api("POST", PARTNER_WORK, on_case, lambda w: {
        "beneficiary_id": w.child_id, "service_type_id": w.service_type_id,
        "requested_on": TODAY}),
    "api.update_service": api("PATCH", PARTNER_WORK, lambda w: {
        "number": w.case, "service_id": w.service_id}, lambda w: {
        "version": w.service_version, "status": "in_progress"}),
    "api.list_followups": api("GET", CASE_READERS, on_case),
    "api.record_visit": api("POST", PARTNER_WORK, lambda w: {
        "number": w.case, "visit_id": w.visit_open_id}, lambda w: {
        "version": w.visit_open_version, "done_on": TODAY, "mode": "phone"}),
}

# Served by Flask itself, outside every access rule.
EXCLUDED = {"static"}


def variants(endpoint: str) -> tuple[Entry, ...]:
    """The entries of `endpoint`: one, or several when the answer depends on the target
    (one's own token or someone else's)."""
    declared = TABLE[endpoint]
    return declared if isinstance(declared, tuple) else (declared,)
