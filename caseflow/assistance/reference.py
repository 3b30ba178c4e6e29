"""The service types seen in practice (DOMAIN.md); admins extend the list."""

from __future__ import annotations

from sqlalchemy import select

from caseflow.assistance.models import ServiceType
from caseflow.extensions import db

# code, English, French, Dutch, depends on (code)
SERVICE_TYPES = [
    ("civil_registration", "Civil registration", "Enregistrement à l'état civil",
     "Inschrijving in de burgerlijke stand", None),
    ("permanent_residence", "Registration of permanent residence",
     "Enregistrement de la résidence permanente", "Inschrijving van de vaste verblijfplaats",
     "civil_registration"),
    ("id_card", "Personal ID card", "Carte d'identité", "Identiteitskaart",
     "civil_registration"),
    ("citizenship_certificate", "Citizenship certificate", "Certificat de nationalité",
     "Nationaliteitsbewijs", "civil_registration"),
    ("birth_certificate_international", "Birth certificate (international form)",
     "Acte de naissance (formulaire international)", "Geboorteakte (internationaal formulier)",
     None),
    ("health_insurance", "Health insurance registration", "Inscription à l'assurance maladie",
     "Inschrijving bij de ziekteverzekering", "id_card"),
    ("social_welfare", "Social welfare application", "Demande d'aide sociale",
     "Aanvraag sociale bijstand", "id_card"),
    ("school_enrolment", "School enrolment", "Inscription scolaire", "Inschrijving op school",
     "civil_registration"),
    ("diploma_recognition", "Recognition of school certificates and diplomas",
     "Reconnaissance (équivalence) des certificats et diplômes",
     "Erkenning (gelijkwaardigheid) van getuigschriften en diploma's", None),
    ("job_seeking", "Job-seeking guidance", "Accompagnement dans la recherche d'emploi",
     "Begeleiding bij het zoeken naar werk", None),
    ("employment_office", "Employment office registration",
     "Inscription auprès du service de l'emploi", "Inschrijving bij de arbeidsbemiddeling",
     "id_card"),
    ("housing_referral", "Housing referral", "Orientation vers un logement",
     "Doorverwijzing voor huisvesting", None),
    ("accompaniment", "Accompaniment to offices", "Accompagnement auprès des administrations",
     "Begeleiding naar diensten", None),
    ("referral_other", "Referral to other programmes or NGOs",
     "Orientation vers d'autres programmes ou ONG",
     "Doorverwijzing naar andere programma's of ngo's", None),
]


def seed() -> bool:
    """Add the service types that are missing (by code); never changes existing ones."""
    existing = {t.code: t for t in db.session.scalars(select(ServiceType))}
    created = False
    for position, (code, en, fr, nl, _depends) in enumerate(SERVICE_TYPES):
        if code not in existing:
            existing[code] = ServiceType(code=code, name_en=en, name_fr=fr, name_nl=nl,
                                         position=position)
            db.session.add(existing[code])
            created = True
    db.session.flush()
    for code, *_names, depends in SERVICE_TYPES:
        if depends and existing[code].depends_on_id is None and created:
            existing[code].depends_on = existing[depends]
    db.session.flush()
    return created
