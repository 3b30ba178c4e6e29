"""Administrative assistance after return: requesting a service for a person of the household,
following it to its outcome, the household's checklist, and the list of service types an
administrator extends.

Every function validates, changes objects and flushes; the caller commits once. Changes to a
case's services are written to the case's timeline (an 'edited' event) and move the case's
version on, so an edit form opened before them is refused as stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from caseflow.accounts.models import Role, User
from caseflow.assistance.models import ServiceRequest, ServiceStatus, ServiceType
from caseflow.cases.models import AFTER_ARRIVAL, Case, CaseEvent, EventKind
from caseflow.db import utcnow
from caseflow.errors import AccessDenied, StaleEdit, ValidationFailed
from caseflow.extensions import db
from caseflow.people.models import Beneficiary
from caseflow.reintegration.services import is_after_arrival, parse_amount
from caseflow.versions import differences

OPEN = (ServiceStatus.requested, ServiceStatus.in_progress)
FINAL = (ServiceStatus.completed, ServiceStatus.not_possible)
# Where a service may go from each status. Staying put is allowed while it is open, so the
# officer can note an outcome or a fee without changing the status.
NEXT_STATUSES: dict[ServiceStatus, tuple[ServiceStatus, ...]] = {
    ServiceStatus.requested: (ServiceStatus.requested, ServiceStatus.in_progress,
                              ServiceStatus.completed, ServiceStatus.not_possible),
    ServiceStatus.in_progress: (ServiceStatus.in_progress, ServiceStatus.completed,
                                ServiceStatus.not_possible),
    ServiceStatus.completed: (),
    ServiceStatus.not_possible: (),
}
MAX_OUTCOME = 2000
MAX_NAME = 160
CODE_PATTERN = re.compile(r"^[a-z0-9_]{2,60}$")


# -- names ---------------------------------------------------------------------------------
def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "en"


def service_name(service_type: ServiceType) -> str:
    """The service type's name in the language of the request (English outside one)."""
    return service_type.name(_language())


# -- permissions ---------------------------------------------------------------------------
def can_view_services(case: Case, user: User) -> bool:
    """Whoever may see the case sees its services (they hold no asylum data)."""
    return case.can_view(user)


def can_manage_services(case: Case, user: User) -> bool:
    """The partner's reintegration officers request and update services, once the household
    has arrived and while the case is open (not on hold, not closed)."""
    return user.is_active and user.role is Role.reintegration_officer \
        and case.partner_id is not None and case.partner_id == user.office_id \
        and case.status in AFTER_ARRIVAL


def has_assistance(case: Case) -> bool:
    """Whether the case page shows the assistance section."""
    return is_after_arrival(case) or bool(case.services)


# -- requests ------------------------------------------------------------------------------
def _touch(case: Case, by: User, what: dict[str, list[Any]]) -> None:
    """Write the change on the case's timeline; the UPDATE of the case moves its version."""
    case.updated_at = utcnow()
    db.session.flush()
    db.session.add(CaseEvent(case=case, kind=EventKind.edited, by=by, version=case.version,
                             data=what))
    db.session.flush()


@contextmanager
def _saving() -> Iterator[None]:
    """Someone else's save of the same request or case between loading and this flush makes
    the versioned UPDATE match no row: tell the user instead of failing with an error page.
    The caller rolls back."""
    try:
        yield
    except StaleDataError:
        raise StaleEdit(_("Someone else saved this case while you were saving. Nothing of "
                          "yours was saved; reload the page and try again."), 0, []) from None


def _label(request: ServiceRequest) -> str:
    # Stored on the timeline, so in one language whatever the reader's.
    return f"service {request.service_type.name_en} ({request.beneficiary.full_name})"


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value)
    return None


def _open_request(case: Case, beneficiary_id: int, service_type_id: int) -> ServiceRequest | None:
    return db.session.scalar(select(ServiceRequest).where(
        ServiceRequest.case_id == case.id, ServiceRequest.beneficiary_id == beneficiary_id,
        ServiceRequest.service_type_id == service_type_id,
        ServiceRequest.status.in_(OPEN)).limit(1))


def request_service(case: Case, beneficiary_id: int, service_type_id: int,
                    requested_on: date | None, *, by: User,
                    today: date | None = None) -> ServiceRequest:
    """Request a service for one person of the household, at the case's partner.

    Refused: a person of another household, an unknown or deactivated service type, a date
    in the future or before the arrival, and a second open (requested or in progress)
    request of the same service for the same person. A save of the case that races this one
    ends in StaleEdit.
    """
    if not can_manage_services(case, by):
        raise AccessDenied(_("Services are requested by the partner's reintegration officers "
                             "once the household has arrived."))
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    person_id = _as_int(beneficiary_id)
    person = next((b for b in case.beneficiaries if b.id == person_id), None)
    if person is None:
        errors["beneficiary_id"] = [_("Choose a person of this household.")]
    type_id = _as_int(service_type_id)
    service_type = db.session.get(ServiceType, type_id) if type_id is not None else None
    if service_type is None or not service_type.is_active:
        errors["service_type_id"] = [_("Choose a service from the list.")]
    if requested_on is None:
        errors["requested_on"] = [_("Enter the date the service was requested.")]
    elif requested_on > today:
        errors["requested_on"] = [_("This date cannot be in the future.")]
    elif case.arrived_on is not None and requested_on < case.arrived_on:
        errors["requested_on"] = [_("A service cannot be requested before the arrival "
                                    "(%(day)s).", day=case.arrived_on.isoformat())]
    if person is not None and service_type is not None and "service_type_id" not in errors:
        existing = _open_request(case, person.id, service_type.id)
        if existing is not None:
            errors["service_type_id"] = [_(
                "“%(service)s” is already open for %(name)s (%(status)s): update that "
                "request instead.", service=service_name(service_type), name=person.full_name,
                status=existing.status.label)]
    if errors:
        raise ValidationFailed(errors)
    assert person is not None and service_type is not None and requested_on is not None
    request = ServiceRequest(beneficiary=person, service_type=service_type,
                             partner_id=case.partner_id, requested_on=requested_on,
                             status=ServiceStatus.requested, created_by=by)
    with _saving():
        case.services.append(request)
        db.session.flush()
        _touch(case, by, {_label(request): [None, ServiceStatus.requested.value]})
    return request


def _completed_dependency(request: ServiceRequest) -> tuple[ServiceType | None, date | None]:
    """The service this one waits for, if it is not completed for the same person, and
    the date that one was completed on (None when it is not)."""
    needed = request.service_type.depends_on
    # A deactivated service can no longer be requested, so it no longer blocks others.
    if needed is None or not needed.is_active:
        return None, None
    done_on = db.session.scalar(select(func.min(ServiceRequest.completed_on)).where(
        ServiceRequest.case_id == request.case_id,
        ServiceRequest.beneficiary_id == request.beneficiary_id,
        ServiceRequest.service_type_id == needed.id,
        ServiceRequest.status == ServiceStatus.completed))
    return (None, done_on) if done_on is not None else (needed, None)


def blocked_by(request: ServiceRequest) -> ServiceType | None:
    """The service to complete first for the same person, while it is not completed."""
    if request.status in FINAL:
        return None
    return _completed_dependency(request)[0]


def update_service(request: ServiceRequest, status: ServiceStatus | str, *, by: User,
                   outcome: str | None = None, completed_on: date | None = None,
                   fees_paid: Any = None, expected_version: int | None = None,
                   today: date | None = None) -> ServiceRequest:
    """Follow a service to its outcome: requested -> in progress -> completed or not
    possible (or straight from requested to either). Completed and not possible are final.

    The arguments are the request's new state: `outcome` and `fees_paid` given as None (or
    blank) are cleared. Completing needs `completed_on` and the service it depends on
    completed for the same person; "not possible" needs an outcome saying why. `fees_paid`
    is an exact amount in euros (text or Decimal). With `expected_version`, a request saved
    by someone else since is refused with StaleEdit. A save of the same request or case
    that races this one also ends in StaleEdit (current_version 0: unknown, reload).
    """
    case = request.case
    if not can_manage_services(case, by):
        raise AccessDenied(_("Services are updated by the partner's reintegration officers "
                             "once the household has arrived."))
    if expected_version is not None and expected_version != request.version:
        raise StaleEdit(_("Someone else updated this service after you opened it. Nothing of "
                          "yours was saved; look at the current state, then make your "
                          "changes again."), request.version, differences(request, {
                              "status": status, "outcome": outcome,
                              "completed_on": completed_on, "fees_paid": fees_paid}))
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    try:
        new_status = ServiceStatus(status)
    except ValueError:
        raise ValidationFailed(_("Choose a status from the list."), field="status") from None
    if request.status in FINAL:
        raise ValidationFailed(_("This service is already final (%(status)s) and cannot "
                                 "change.", status=request.status.label), field="status")
    if new_status not in NEXT_STATUSES[request.status]:
        raise ValidationFailed(_("A service cannot go from “%(old)s” to “%(new)s”.",
                                 old=request.status.label, new=new_status.label),
                               field="status")
    text = (outcome or "").strip() or None
    if text is not None and len(text) > MAX_OUTCOME:
        errors["outcome"] = [_("Use at most %(n)d characters.", n=MAX_OUTCOME)]
    if new_status is ServiceStatus.not_possible and text is None:
        errors["outcome"] = [_("Say why the service was not possible.")]
    if new_status is ServiceStatus.completed:
        if completed_on is None:
            errors["completed_on"] = [_("Enter the date the service was completed.")]
        elif completed_on > today:
            errors["completed_on"] = [_("This date cannot be in the future.")]
        elif completed_on < request.requested_on:
            errors["completed_on"] = [_("A service cannot be completed before it was "
                                        "requested (%(day)s).",
                                        day=request.requested_on.isoformat())]
        missing, dependency_done_on = _completed_dependency(request)
        if missing is not None:
            errors["status"] = [_("Complete “%(service)s” for %(name)s first.",
                                  service=service_name(missing),
                                  name=request.beneficiary.full_name)]
        elif completed_on is not None and dependency_done_on is not None \
                and completed_on < dependency_done_on and "completed_on" not in errors:
            errors["completed_on"] = [_(
                "“%(service)s” was completed on %(day)s; this service cannot be completed "
                "before.", service=service_name(request.service_type.depends_on),
                day=dependency_done_on.isoformat())]
    elif completed_on is not None:
        errors["completed_on"] = [_("Only a completed service has a completion date.")]
    fees: Decimal | None = None
    if fees_paid is not None and str(fees_paid).strip():
        try:
            fees = parse_amount(fees_paid, field="fees_paid")
        except ValidationFailed as error:
            errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)

    changes: dict[str, list[Any]] = {}
    label = _label(request)
    for name, old, new in (("status", request.status.value, new_status.value),
                           ("outcome", request.outcome, text),
                           ("completed on", _iso(request.completed_on), _iso(completed_on)),
                           ("fees paid", _money(request.fees_paid), _money(fees))):
        if old != new:
            changes[f"{label}: {name}"] = [old, new]
    if not changes:
        return request
    request.status = new_status
    request.outcome = text
    request.completed_on = completed_on if new_status is ServiceStatus.completed else None
    request.fees_paid = fees
    with _saving():
        db.session.flush()
        _touch(case, by, changes)
    return request


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _money(amount: Decimal | None) -> str | None:
    return f"{amount:.2f}" if amount is not None else None


# -- the household's checklist -------------------------------------------------------------
@dataclass(frozen=True)
class ChecklistItem:
    service_type: ServiceType
    # The person's latest request of this service, if any.
    request: ServiceRequest | None
    # The service that must be completed first, while it is not (None: nothing blocks).
    blocked_by: ServiceType | None

    @property
    def is_open(self) -> bool:
        return self.request is not None and self.request.status in OPEN

    @property
    def can_request(self) -> bool:
        """Whether a (new) request makes sense: none yet, or the last one is over."""
        return self.service_type.is_active and not self.is_open and not (
            self.request is not None and self.request.status is ServiceStatus.completed)


@dataclass(frozen=True)
class PersonChecklist:
    person: Beneficiary
    items: list[ChecklistItem]

    @property
    def completed(self) -> int:
        return sum(1 for i in self.items
                   if i.request and i.request.status is ServiceStatus.completed)

    @property
    def open(self) -> int:
        return sum(1 for i in self.items if i.is_open)


def service_types(*, active_only: bool = True) -> list[ServiceType]:
    """The service types in checklist order."""
    query = select(ServiceType).order_by(ServiceType.position, ServiceType.id)
    if active_only:
        query = query.where(ServiceType.is_active)
    return list(db.session.scalars(query))


def checklist(case: Case) -> list[PersonChecklist]:
    """The household's services as one checklist: for each person (in household order),
    every active service type in order (and deactivated ones the person has requests of),
    with the person's latest request and the service still to complete first, if any."""
    types = service_types(active_only=False)
    latest: dict[tuple[int, int], ServiceRequest] = {}
    completed: set[tuple[int, int]] = set()
    for request in sorted(case.services, key=lambda r: r.id):
        latest[(request.beneficiary_id, request.service_type_id)] = request
        if request.status is ServiceStatus.completed:
            completed.add((request.beneficiary_id, request.service_type_id))
    result = []
    for person in case.beneficiaries:
        items = []
        for service_type in types:
            request = latest.get((person.id, service_type.id))
            if not service_type.is_active and request is None:
                continue
            needed = service_type.depends_on
            blocked = needed is not None and needed.is_active \
                and (person.id, needed.id) not in completed \
                and not (request is not None and request.status in FINAL)
            items.append(ChecklistItem(service_type, request, needed if blocked else None))
        result.append(PersonChecklist(person, items))
    return result


# -- service types (reference data) --------------------------------------------------------
def _require_admin(by: User) -> None:
    if not by.can_administer():
        raise AccessDenied()


def _check_names(names: dict[str, str], errors: dict[str, list[str]]) -> dict[str, str]:
    clean = {}
    for field, value in names.items():
        text = " ".join((value or "").split())
        if not text:
            errors[field] = [_("Enter the name in this language.")]
        elif len(text) > MAX_NAME:
            errors[field] = [_("Use at most %(n)d characters.", n=MAX_NAME)]
        clean[field] = text
    return clean


def _check_dependency(service_type: ServiceType | None, depends_on_id: Any,
                      errors: dict[str, list[str]]) -> ServiceType | None:
    """The service type `depends_on_id` names, if it exists and closes no cycle."""
    if depends_on_id in (None, ""):
        return None
    dependency_id = _as_int(depends_on_id)
    dependency = db.session.get(ServiceType, dependency_id) if dependency_id is not None \
        else None
    unchanged = service_type is not None and dependency is not None \
        and service_type.depends_on_id == dependency.id
    if dependency is None or not (dependency.is_active or unchanged):
        errors["depends_on_id"] = [_("Choose an active service from the list.")]
        return None
    # Walk up the chain from the new dependency: meeting this type again is a cycle.
    seen: set[int] = set()
    step: ServiceType | None = dependency
    while step is not None and step.id not in seen:
        if service_type is not None and step.id == service_type.id:
            errors["depends_on_id"] = [_(
                "“%(service)s” already depends on this service (directly or through "
                "others): a service cannot wait for itself.", service=service_name(dependency))]
            return None
        seen.add(step.id)
        step = step.depends_on
    return dependency


def _check_position(position: Any, errors: dict[str, list[str]]) -> int | None:
    if position in (None, ""):
        return None
    value = _as_int(position)
    if value is None or not 0 <= value <= 10_000:
        errors["position"] = [_("Enter a whole number from 0 to 10000.")]
    return value


def create_service_type(code: str, name_en: str, name_fr: str, name_nl: str,
                        depends_on_id: int | None = None, *, by: User,
                        position: int | None = None) -> ServiceType:
    """A new service type for every case's checklist (admin only). The code is unique,
    lower case letters, digits and underscores; the type may depend on an active one.
    Without a position it goes last."""
    _require_admin(by)
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        errors["code"] = [_("Use 2 to 60 lower-case letters, digits or underscores, e.g. "
                            "driving_licence.")]
    elif db.session.scalar(select(ServiceType.id).where(ServiceType.code == code)):
        errors["code"] = [_("Another service type already has this code.")]
    names = _check_names({"name_en": name_en, "name_fr": name_fr, "name_nl": name_nl}, errors)
    dependency = _check_dependency(None, depends_on_id, errors)
    place = _check_position(position, errors)
    if errors:
        raise ValidationFailed(errors)
    if place is None:
        last = db.session.scalar(select(func.max(ServiceType.position)))
        place = (last + 1) if last is not None else 0
    service_type = ServiceType(code=code, depends_on=dependency, position=place,
                               is_active=True, **names)
    db.session.add(service_type)
    db.session.flush()
    return service_type


def update_service_type(service_type: ServiceType, *, name_en: str, name_fr: str,
                        name_nl: str, depends_on_id: int | None, by: User,
                        position: int | None = None) -> ServiceType:
    """Rename a service type, change what it depends on or its place (admin only). The code
    never changes: the seed recognises the reference list by it. Position None keeps it."""
    _require_admin(by)
    errors: dict[str, list[str]] = {}
    names = _check_names({"name_en": name_en, "name_fr": name_fr, "name_nl": name_nl}, errors)
    dependency = _check_dependency(service_type, depends_on_id, errors)
    place = _check_position(position, errors)
    if errors:
        raise ValidationFailed(errors)
    for field, value in names.items():
        setattr(service_type, field, value)
    service_type.depends_on = dependency
    if place is not None:
        service_type.position = place
    db.session.flush()
    return service_type


def deactivate_service_type(service_type: ServiceType, *, by: User) -> ServiceType:
    """No new requests of this service; existing requests and their history stay, and it
    no longer blocks the services that depend on it."""
    _require_admin(by)
    service_type.is_active = False
    db.session.flush()
    return service_type


def reactivate_service_type(service_type: ServiceType, *, by: User) -> ServiceType:
    _require_admin(by)
    service_type.is_active = True
    db.session.flush()
    return service_type
