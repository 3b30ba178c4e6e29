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


# -- households returning to the Western Balkans ----------------------------------------------
# Names are (as in documents, in original script or None when that is the Latin one).
# Serbian and Macedonian documents carry a Latin transliteration of the Cyrillic name.

Name = tuple[str, str | None]

RETURN_NAMES: dict[str, dict[str, list[Name]]] = {
    "AL": {
        "male": [("Arben", None), ("Ilir", None), ("Gentian", None), ("Dritan", None),
                 ("Erion", None), ("Altin", None), ("Fatmir", None), ("Klodian", None),
                 ("Endrit", None), ("Ardit", None), ("Elton", None), ("Mirash", None)],
        "female": [("Blerta", None), ("Anisa", None), ("Mirela", None), ("Entela", None),
                   ("Jonida", None), ("Elona", None), ("Ardita", None), ("Fjona", None),
                   ("Rozeta", None), ("Manjola", None), ("Drita", None), ("Lindita", None)],
        "boy": [("Noel", None), ("Dion", None), ("Aron", None), ("Ergi", None),
                ("Kevin", None), ("Rei", None), ("Luis", None), ("Enri", None)],
        "girl": [("Klea", None), ("Amelia", None), ("Sara", None), ("Ajla", None),
                 ("Era", None), ("Reina", None), ("Ambra", None), ("Anxhela", None)],
        "family": [("Hoxha", None), ("Shehu", None), ("Leka", None), ("Çela", None),
                   ("Dervishi", None), ("Kola", None), ("Basha", None), ("Muça", None),
                   ("Gjoka", None), ("Marku", None), ("Prendi", None), ("Doda", None)],
    },
    "XK": {
        "male": [("Driton", None), ("Besnik", None), ("Liridon", None), ("Valon", None),
                 ("Agon", None), ("Fatos", None), ("Blerim", None), ("Shpend", None),
                 ("Bekim", None), ("Arton", None), ("Naser", None), ("Ramadan", None)],
        "female": [("Valbona", None), ("Fjolla", None), ("Arta", None), ("Vlora", None),
                   ("Teuta", None), ("Mimoza", None), ("Shqipe", None), ("Hava", None),
                   ("Lumnije", None), ("Mirlinda", None), ("Zana", None), ("Besa", None)],
        "boy": [("Lorik", None), ("Dardan", None), ("Leart", None), ("Amar", None),
                ("Rron", None), ("Jon", None), ("Elion", None), ("Art", None)],
        "girl": [("Erza", None), ("Rina", None), ("Dua", None), ("Elsa", None),
                 ("Lea", None), ("Ariana", None), ("Blina", None), ("Nora", None)],
        "family": [("Krasniqi", None), ("Gashi", None), ("Berisha", None), ("Morina", None),
                   ("Hoti", None), ("Bytyqi", None), ("Shala", None), ("Rexhepi", None),
                   ("Kelmendi", None), ("Hasani", None), ("Osmani", None), ("Thaçi", None)],
    },
    "RS": {
        "male": [("Đorđe", "Ђорђе"), ("Miloš", "Милош"), ("Nenad", "Ненад"),
                 ("Dragan", "Драган"), ("Nikola", "Никола"), ("Marko", "Марко"),
                 ("Dejan", "Дејан"), ("Zoran", "Зоран"), ("Bojan", "Бојан"),
                 ("Saša", "Саша"), ("Ljubiša", "Љубиша"), ("Dušan", "Душан")],
        "female": [("Jelena", "Јелена"), ("Milica", "Милица"), ("Snežana", "Снежана"),
                   ("Dragana", "Драгана"), ("Ivana", "Ивана"), ("Jovana", "Јована"),
                   ("Marija", "Марија"), ("Ljiljana", "Љиљана"), ("Gordana", "Гордана"),
                   ("Danijela", "Данијела"), ("Biljana", "Биљана"), ("Vesna", "Весна")],
        "boy": [("Luka", "Лука"), ("Stefan", "Стефан"), ("Lazar", "Лазар"),
                ("Vuk", "Вук"), ("Filip", "Филип"), ("Aleksa", "Алекса")],
        "girl": [("Mila", "Мила"), ("Sofija", "Софија"), ("Anđela", "Анђела"),
                 ("Teodora", "Теодора"), ("Nađa", "Нађа"), ("Katarina", "Катарина")],
        "family": [("Petrović", "Петровић"), ("Jovanović", "Јовановић"),
                   ("Nikolić", "Николић"), ("Stojanović", "Стојановић"), ("Ilić", "Илић"),
                   ("Marković", "Марковић"), ("Đorđević", "Ђорђевић"),
                   ("Stanković", "Станковић"), ("Ristić", "Ристић"), ("Mitić", "Митић"),
                   ("Jašarević", "Јашаревић"), ("Demirović", "Демировић")],
    },
    "MK": {
        "male": [("Aleksandar", "Александар"), ("Goran", "Горан"), ("Nikola", "Никола"),
                 ("Gjorgji", "Ѓорѓи"), ("Dragan", "Драган"), ("Kire", "Кире"),
                 ("Zoran", "Зоран"), ("Bojan", "Бојан"), ("Blagoj", "Благој"),
                 ("Dimitar", "Димитар"), ("Trajko", "Трајко"), ("Ljupčo", "Љупчо")],
        "female": [("Elena", "Елена"), ("Biljana", "Биљана"), ("Marija", "Марија"),
                   ("Ivana", "Ивана"), ("Vesna", "Весна"), ("Katerina", "Катерина"),
                   ("Jasmina", "Јасмина"), ("Snežana", "Снежана"), ("Verica", "Верица"),
                   ("Aneta", "Анета"), ("Gordana", "Гордана"), ("Slavica", "Славица")],
        "boy": [("Andrej", "Андреј"), ("Mihail", "Михаил"), ("Petar", "Петар"),
                ("David", "Давид"), ("Jovan", "Јован"), ("Teodor", "Теодор")],
        "girl": [("Ana", "Ана"), ("Mia", "Миа"), ("Sara", "Сара"),  # noqa: RUF001
                 ("Dunja", "Дуња"),
                 ("Teodora", "Теодора"), ("Eva", "Ева")],
        # Macedonian family names take -ska / -va for women: see female_family_name().
        "family": [("Trajkovski", "Трајковски"), ("Stojanovski", "Стојановски"),
                   ("Nikolovski", "Николовски"), ("Dimitrovski", "Димитровски"),
                   ("Ristovski", "Ристовски"), ("Petrovski", "Петровски"),
                   ("Jovanovski", "Јовановски"), ("Angelovski", "Ангеловски"),
                   ("Dimitrov", "Димитров"), ("Ilievski", "Илиевски"),
                   ("Memedov", "Мемедов"), ("Ramadanovski", "Рамадановски")],
    },
}

# Ethnic Albanian citizens of North Macedonia (Tetovo, Gostivar) carry Albanian names.
MK_ALBANIAN_FAMILY: list[Name] = [("Ademi", None), ("Aliu", None), ("Bajrami", None),
                                  ("Memeti", None), ("Xhaferi", None), ("Sulejmani", None)]


def female_family_name(name: Name) -> Name:
    """Macedonian and Bulgarian-style surnames agree with the woman: -ski/-ska, -ov/-ova."""
    latin, original = name
    if latin.endswith("ski"):
        return latin[:-1] + "a", original[:-1] + "\u0430" if original else None
    if latin.endswith("ov"):
        return latin + "a", original + "\u0430" if original else None
    return name


MUNICIPALITIES = {
    "AL": ["Shkodër", "Elbasan", "Durrës", "Tiranë", "Fier", "Kukës", "Lezhë", "Berat",
           "Korçë", "Vlorë"],
    "MK": ["Tetovo", "Kumanovo", "Skopje (Šuto Orizari)", "Gostivar", "Kičevo", "Prilep",
           "Bitola", "Štip", "Kočani"],
    "XK": ["Prizren", "Pejë/Peć", "Mitrovicë/Mitrovica", "Gjakovë/Đakovica",
           "Ferizaj/Uroševac", "Prishtinë/Priština", "Gjilan/Gnjilane", "Vushtrri/Vučitrn",
           "Podujevë/Podujevo"],
    "RS": ["Niš", "Novi Pazar", "Leskovac", "Vranje", "Kragujevac", "Prokuplje", "Bujanovac",
           "Kraljevo", "Subotica", "Beograd (Zemun)"],
}

LANGUAGES = {
    "AL": ["Albanian", "Albanian, Italian", "Albanian, English"],
    "XK": ["Albanian", "Albanian, Serbian", "Romani, Albanian, Serbian"],
    "RS": ["Serbian", "Serbian, Romani", "Serbian, German"],
    "MK": ["Macedonian", "Macedonian, Romani", "Macedonian, Serbian"],
}

# Reception centres: (name, region of the schools, town of the maternity hospital)
RECEPTION_CENTRES = [
    ("Petit-Chateau, Brussels", "brussels", "Bruxelles"),
    ("Fedasil Mouscron", "wallonia", "Mouscron"),
    ("Croix-Rouge Jumet", "wallonia", "Charleroi"),
    ("Fedasil Jodoigne", "wallonia", "Ottignies-Louvain-la-Neuve"),
    ("Fedasil Florennes", "wallonia", "Namur"),
    ("Fedasil Bierset", "liege", "Liège"),
    ("Fedasil Sint-Truiden", "flanders", "Sint-Truiden"),
    ("Fedasil Poelkapelle", "flanders", "Ieper"),
    ("Croix-Rouge Uccle", "brussels", "Uccle"),
    ("Rode Kruis Deinze", "ghent", "Gent"),
    ("LOI Gent", "ghent", "Gent"),
    ("ILA Liège", "liege", "Liège"),
    ("Rode Kruis Antwerpen", "antwerp", "Antwerpen"),
]
BELGIAN_TOWNS = frozenset(town for _name, _region, town in RECEPTION_CENTRES)

# Schools by region: (school, town, language of teaching). "primary" schools have a nursery
# section; newcomers start in a reception class (DASPA in French, OKAN in Dutch) in either.
SCHOOLS = {
    "brussels": {
        "primary": [("École communale n°1", "Schaerbeek", "fr"),
                    ("École n°10 Les Trèfles", "Anderlecht", "fr")],
        "secondary": [("Athénée Royal Serge Creuz", "Molenbeek-Saint-Jean", "fr"),
                      ("Institut Saint-Louis", "Bruxelles", "fr")]},
    "wallonia": {
        "primary": [("École communale du Tuquet", "Mouscron", "fr"),
                    ("École communale de Gohyssart", "Jumet (Charleroi)", "fr")],
        "secondary": [("Athénée Royal de Jodoigne", "Jodoigne", "fr"),
                      ("Athénée Royal Jules Destrée", "Marcinelle (Charleroi)", "fr")]},
    "liege": {
        "primary": [("École communale de Bressoux", "Liège", "fr"),
                    ("École fondamentale de Grâce-Hollogne", "Grâce-Hollogne", "fr")],
        "secondary": [("Athénée Royal Liège 1", "Liège", "fr")]},
    "flanders": {
        "primary": [("Basisschool De Sleutel", "Sint-Truiden", "nl"),
                    ("Vrije Basisschool Poelkapelle", "Langemark-Poelkapelle", "nl")],
        "secondary": [("Technisch Instituut Sint-Jan", "Sint-Truiden", "nl")]},
    "ghent": {
        "primary": [("Basisschool De Regenboog", "Gent", "nl"),
                    ("Stedelijke Basisschool Het Mozaïek", "Gent", "nl")],
        "secondary": [("Atheneum Voskenslaan", "Gent", "nl")]},
    "antwerp": {
        "primary": [("Basisschool Het Kompas", "Antwerpen", "nl")],
        "secondary": [("Stedelijk Lyceum Lange Beeldekens", "Antwerpen", "nl")]},
}

# Flights from Belgium: (carrier, flight number, departure airport)
FLIGHTS = {
    "AL": [("Brussels Airlines", "SN 3183", "Brussels Airport (BRU)"),
           ("Wizz Air", "W6 4371", "Brussels South Charleroi (CRL)"),
           ("Ryanair", "FR 2754", "Brussels South Charleroi (CRL)")],
    "XK": [("Brussels Airlines", "SN 3273", "Brussels Airport (BRU)"),
           ("Wizz Air", "W6 4389", "Brussels South Charleroi (CRL)")],
    "RS": [("Air Serbia", "JU 331", "Brussels Airport (BRU)"),
           ("Wizz Air", "W6 4327", "Brussels South Charleroi (CRL)")],
    "MK": [("Wizz Air", "W6 4333", "Brussels South Charleroi (CRL)"),
           ("Wizz Air", "W6 4343", "Brussels South Charleroi (CRL)")],
}

ILLNESS_NOTES = [
    "Insulin-dependent diabetes; needs insulin and follow-up after return.",
    "Chronic kidney disease, dialysis three times a week; dialysis place to be arranged.",
    "Hepatitis C under treatment; medication for three months to be provided.",
    "Epilepsy; six months of medication and a neurologist after return.",
    "Heart surgery at CHU Liège; cardiology follow-up needed.",
]
MENTAL_NOTES = [
    "Post-traumatic stress; followed by the psychologist of the reception centre.",
    "Depression under treatment; psychosocial support after return recommended.",
]
DISABILITY_NOTES = [
    "Uses a wheelchair; assistance at the airport and accessible housing needed.",
    "Hearing impairment; sign language interpreter or written communication.",
]

REJECTION_REASONS = [
    "Not eligible: holds a valid residence permit in another EU member state.",
    "Not eligible: already received return and reintegration support in 2023.",
    "Application incomplete: identity could not be established.",
]
WITHDRAWAL_NOTES = [
    "The family decided to lodge an appeal at the Council for Alien Law Litigation.",
    "Applicant no longer wishes to return; regularisation request pending.",
    "Applicant left the reception centre without notice.",
]
HOLD_NOTES = [
    "Medical treatment to be completed in Belgium before travel.",
    "Waiting for the laissez-passer from the consulate.",
    "Children finish the school year before departure.",
    "Waiting for the partner to confirm a shelter place.",
]
NO_SHOW_NOTES = [
    "Did not show up at the airport; not reachable by phone.",
    "Missed the flight: child ill on the day of departure.",
]
SESSION_NOTES = [
    "Information on the return programme and reintegration support.",
    "Discussed the reintegration plan: small business (car repair).",
    "Discussed school enrolment of the children after return.",
    "Medical needs and continuity of treatment discussed.",
    "Follow-up: travel documents requested at the consulate.",
]
INTERPRETERS = {"AL": "Albanian interpreter (SeTIS)", "XK": "Albanian interpreter (SeTIS)",
                "RS": "Serbian interpreter (SeTIS)", "MK": "Macedonian interpreter (SeTIS)"}
SESSION_LANGUAGES = {"AL": "Albanian", "XK": "Albanian", "RS": "Serbian", "MK": "Macedonian"}
