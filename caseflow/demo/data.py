"""The fixed demo world: the offices of the Belgian AVRR programme and one login per role."""

from __future__ import annotations

from caseflow.accounts.models import OfficeKind, Role

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for newcomers on purpose

# (name, kind, country, city, slug for e-mail addresses)
OFFICES = [
    ("IOM Brussels", OfficeKind.sending, "BE", "Brussels", "iom-brussels"),
    ("Fedasil reception centre Petit-Chateau", OfficeKind.sending, "BE", "Brussels",
     "petit-chateau"),
    ("Caritas International Belgium", OfficeKind.sending, "BE", "Brussels", "caritas-be"),
    ("IOM Tirana", OfficeKind.partner, "AL", "Tirana", "iom-tirana"),
    ("IOM Skopje", OfficeKind.partner, "MK", "Skopje", "iom-skopje"),
    ("C.S.I. Nadez", OfficeKind.partner, "MK", "Skopje", "csi-nadez"),
    ("IOM Pristina", OfficeKind.partner, "XK", "Pristina", "iom-pristina"),
    ("Caritas Serbia", OfficeKind.partner, "RS", "Belgrade", "caritas-serbia"),
]

# office slug -> [(role, full name)]
USERS = {
    "iom-brussels": [(Role.admin, "Marc Dubois"), (Role.manager, "Annelies Peeters"),
                     (Role.caseworker, "Sophie Lambert")],
    "petit-chateau": [(Role.manager, "Karim El Amrani"), (Role.caseworker, "Lotte Janssens")],
    "caritas-be": [(Role.manager, "Pieter Claes"), (Role.caseworker, "Nadia Benali")],
    "iom-tirana": [(Role.reintegration_officer, "Elira Hoxha")],
    "iom-skopje": [(Role.reintegration_officer, "Stefan Trajkovski")],
    "csi-nadez": [(Role.reintegration_officer, "Marija Petrovska")],
    "iom-pristina": [(Role.reintegration_officer, "Arben Krasniqi")],
    "caritas-serbia": [(Role.reintegration_officer, "Jelena Đorđević")],
}

ROLE_MAILBOX = {
    Role.admin: "admin",
    Role.manager: "manager",
    Role.caseworker: "caseworker",
    Role.reintegration_officer: "officer",
}


def demo_email(role: Role, slug: str) -> str:
    return f"{ROLE_MAILBOX[role]}@{slug}.example.org"


# Name pools for generated records, by office country. Names as written in documents.
GIVEN_NAMES = {
    "BE": ["Sophie", "Lucas", "Emma", "Thomas", "Julie", "Nathalie", "Bram", "Sarah", "Wout",
           "Ines", "Youssef", "Charlotte"],
    "AL": ["Arben", "Blerta", "Ilir", "Anisa", "Gentian", "Mirela", "Dritan", "Entela",
           "Erion", "Jonida"],
    "MK": ["Stefan", "Marija", "Aleksandar", "Elena", "Goran", "Biljana", "Nikola", "Ivana"],
    "XK": ["Arben", "Valbona", "Driton", "Fjolla", "Besnik", "Arta", "Liridon", "Vlora"],
    "RS": ["Đorđe", "Jelena", "Miloš", "Milica", "Nenad", "Snežana", "Dragan", "Ana"],
}
FAMILY_NAMES = {
    "BE": ["Peeters", "Janssens", "Maes", "Dubois", "Lambert", "Claes", "Martin", "Jacobs",
           "Mertens", "Willems", "Benali", "Dupont"],
    "AL": ["Hoxha", "Shehu", "Leka", "Çela", "Dervishi", "Kola", "Basha", "Muça"],
    "MK": ["Trajkovski", "Petrovska", "Stojanovski", "Nikolovska", "Dimitrov", "Ristovski"],
    "XK": ["Krasniqi", "Gashi", "Berisha", "Morina", "Hoti", "Bytyqi", "Shala"],
    "RS": ["Jovanović", "Petrović", "Nikolić", "Đorđević", "Stojanović", "Ilić"],
}
