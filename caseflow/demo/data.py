"""The fixed demo world: the offices of the Belgian AVRR programme and one login per role."""

from __future__ import annotations

import cyrtranslit

from caseflow.accounts.models import OfficeKind, Role

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for newcomers on purpose
# Managers and admins log in with two-factor: the demo ones share this authenticator secret,
# printed by `flask demo load` so a newcomer can add it to an authenticator app.
DEMO_TOTP_SECRET = "DEMOCASEFLOWTOTPDEMOCASEFLOWTOTP"  # noqa: S105 - printed on purpose

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
# Serbian and Macedonian documents carry a Latin transliteration of the Cyrillic name; the
# Cyrillic form is derived from it (Macedonian passports write Ѓ and Ќ as Gj and Kj).

Name = tuple[str, str | None]


def _latin(names: str) -> list[Name]:
    return [(name, None) for name in names.split()]


def _serbian(names: str) -> list[Name]:
    return [(name, cyrtranslit.to_cyrillic(name, "sr")) for name in names.split()]


def _macedonian(names: str) -> list[Name]:
    def cyrillic(name: str) -> str:
        for latin, letter in (("Gj", "Ǵ"), ("gj", "ǵ"), ("Kj", "Ḱ"), ("kj", "ḱ")):
            name = name.replace(latin, letter)
        return cyrtranslit.to_cyrillic(name, "mk")

    return [(name, cyrillic(name)) for name in names.split()]


RETURN_NAMES: dict[str, dict[str, list[Name]]] = {
    "AL": {
        "male": _latin("Arben Ilir Gentian Dritan Erion Altin Fatmir Klodian Endrit Ardit Elton "
                       "Mirash Agron Artan Bledar Edmond Ervin Florian Gëzim Gjergj Indrit "
                       "Kujtim Lulzim Marsel Nertil Olsi Petrit Redon Sokol Taulant Ylli"),
        "female": _latin("Blerta Anisa Mirela Entela Jonida Elona Ardita Fjona Rozeta Manjola "
                         "Drita Lindita Alketa Brunilda Dorina Eneida Flutura Ilda Klodiana "
                         "Lediana Majlinda Nertila Orjela Pranvera Rudina Suela Teuta Xhulia "
                         "Zamira Mimoza"),
        "boy": _latin("Noel Dion Aron Ergi Kevin Rei Luis Enri Matteo Jurgen Anxhelo Erald "
                      "Amar Joel Ejdi"),
        "girl": _latin("Klea Amelia Sara Ajla Era Reina Ambra Anxhela Greta Hera Leandra "
                       "Melisa Noemi Sibora Kejsi"),
        "family": _latin("Hoxha Shehu Leka Çela Dervishi Kola Basha Muça Gjoka Marku Prendi "
                         "Doda Hysa Meta Kodra Lika Gjika Rama Duka Bajraktari Cani Kapllani "
                         "Laçi Mema Ndreu Pepa Qose Sula Tafa Vata Xhafa Zeneli Bushati Dibra "
                         "Gega Kasa Mullaj Pjetri Toska Hysenaj"),
    },
    "XK": {
        "male": _latin("Driton Besnik Liridon Valon Agon Fatos Blerim Shpend Bekim Arton Naser "
                       "Ramadan Adem Arbër Burim Egzon Faton Gazmend Hajdar Jeton Kushtrim "
                       "Lirim Mentor Nazmi Premtim Qëndrim Skender Visar Xhavit Ilir"),
        "female": _latin("Valbona Fjolla Arta Vlora Teuta Mimoza Shqipe Hava Lumnije Mirlinda "
                         "Zana Besa Albulena Blerina Donika Drenusha Edona Fatime Hana "
                         "Kaltrina Leonora Merita Njomza Qendresa Rrezarta Shkurte Valdete "
                         "Vjosa Gentiana Arbnora"),
        "boy": _latin("Lorik Dardan Leart Amar Rron Jon Elion Art Ardi Enis Gent Jetmir Olt "
                      "Uran Dion"),
        "girl": _latin("Erza Rina Dua Elsa Lea Ariana Blina Nora Alea Ema Lira Mia Rea Vesa "
                       "Loreta"),
        "family": _latin("Krasniqi Gashi Berisha Morina Hoti Bytyqi Shala Rexhepi Kelmendi "
                         "Hasani Osmani Thaçi Ahmeti Avdiu Bajrami Beqiri Dema Elezi Fazliu "
                         "Halili Haxhiu Hyseni Ibrahimi Jashari Kastrati Kryeziu Limani "
                         "Maliqi Mustafa Nimani Pllana Ramadani Salihu Sejdiu Syla Tahiri "
                         "Zeqiri Veseli Shabani Hoxha"),
    },
    "RS": {
        "male": _serbian("Đorđe Miloš Nenad Dragan Nikola Marko Dejan Zoran Bojan Saša Ljubiša "
                         "Dušan Aleksandar Branko Darko Goran Ivan Jovan Milan Miroslav "
                         "Nebojša Predrag Radomir Slobodan Srđan Vladimir Željko Zlatko "
                         "Bajram Muamer Sead Safet"),
        "female": _serbian("Jelena Milica Snežana Dragana Ivana Jovana Marija Ljiljana Gordana "
                           "Danijela Biljana Vesna Aleksandra Bojana Branka Dijana Jasmina "
                           "Katarina Maja Mirjana Nataša Olivera Radmila Slađana Sanja "
                           "Svetlana Tamara Zorica Senada Fatima"),
        "boy": _serbian("Luka Stefan Lazar Vuk Filip Aleksa Andrej Dimitrije Mihajlo Nemanja "
                        "Ognjen Pavle Relja Uroš Vasilije"),
        "girl": _serbian("Mila Sofija Anđela Teodora Nađa Ana Dunja Hana Iva Lena Mina Nina "
                         "Sara Tara Jana"),
        "family": _serbian("Petrović Jovanović Nikolić Stojanović Ilić Marković Đorđević "
                           "Stanković Ristić Mitić Jašarević Demirović Pavlović Milošević "
                           "Đokić Kostić Lazić Milenković Mladenović Nedeljković Obradović "
                           "Popović Radovanović Savić Simić Todorović Vasić Veličković "
                           "Živković Zdravković Bajramović Hodžić Ljajić Mehmedović Salihović "
                           "Šabanović Tomić Cvetković Janković Krstić"),
    },
    "MK": {
        "male": _macedonian("Aleksandar Goran Nikola Gjorgji Dragan Kire Zoran Bojan Blagoj "
                            "Dimitar Trajko Ljupčo Angel Boris Darko Dejan Igor Jovan Kiril "
                            "Marjan Mitko Nikolče Pece Risto Sašo Stojan Toni Vasil Bajram "
                            "Muarem Šaban"),
        "female": _macedonian("Elena Biljana Marija Ivana Vesna Katerina Jasmina Snežana "
                              "Verica Aneta Gordana Slavica Daniela Emilija Frosina Jovanka "
                              "Kristina Liljana Magdalena Maja Nataša Olivera Radmila Sonja "
                              "Suzana Tanja Valentina Violeta Zorica Sevdija"),
        "boy": _macedonian("Andrej Mihail Petar David Jovan Teodor Damjan Luka Marko Matej "
                           "Stefan Viktor Hristijan Kristijan Filip"),
        "girl": _macedonian("Ana Mia Sara Dunja Teodora Eva Angela Iva Jana Lara Mila Nina Tea "
                            "Sofija Elena"),
        # Macedonian family names take -ska / -va for women: see female_family_name().
        "family": _macedonian("Trajkovski Stojanovski Nikolovski Dimitrovski Ristovski "
                              "Petrovski Jovanovski Angelovski Dimitrov Ilievski Memedov "
                              "Ramadanovski Atanasovski Bogdanovski Cvetkovski Georgievski "
                              "Gjorgjievski Janevski Kostovski Mitrevski Nedelkovski Pavlovski "
                              "Popovski Spasovski Stefanovski Todorovski Velkovski Zdravkovski "
                              "Mustafov Saliev Bajramovski Demirovski Kjosevski Markovski "
                              "Tasevski Zafirovski Arsovski Blazevski Mladenovski Ognenovski"),
    },
}

# Ethnic Albanian citizens of North Macedonia (Tetovo, Gostivar) carry Albanian names.
MK_ALBANIAN_FAMILY: list[Name] = _latin(
    "Ademi Aliu Bajrami Memeti Xhaferi Sulejmani Abdiu Asani Emini Fejzulai Iseni Jakupi "
    "Mustafai Osmani Ramadani Sadiku Selmani Zeqiri")


def female_family_name(name: Name) -> Name:
    """Macedonian surnames agree with the woman: -ski/-ska, -ov/-ova, -ev/-eva."""
    latin, original = name
    if latin.endswith("ski"):
        return latin[:-1] + "a", original[:-1] + "\u0430" if original else None
    if latin.endswith(("ov", "ev")):
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
