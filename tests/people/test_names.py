"""Name matching across diacritics, Latin/Cyrillic script and Balkan spelling variants."""

from __future__ import annotations

import pytest

from caseflow.people.names import (
    fold,
    name_keys,
    query_keys,
    similarity,
    skeleton,
    to_latin,
    tokens,
)


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Ђорђе", "Đorđe"),
        ("Петровић", "Petrović"),
        ("Љубица Џемаил", "Ljubica Džemail"),
        ("Ѓорѓи Јовановски", "Ǵorǵi Jovanovski"),
        ("Ќиро Ѕвездановски", "Ḱiro Dzvezdanovski"),
        ("ЉУБИЦА", "LJUBICA"),
    ],
)
def test_to_latin_transliterates_serbian_and_macedonian(cyrillic: str, latin: str) -> None:
    assert to_latin(cyrillic) == latin


@pytest.mark.parametrize("text", ["Đorđe Petrović", "Hoxhë", "O'Neil-Smith", ""])
def test_to_latin_leaves_latin_text_unchanged(text: str) -> None:
    assert to_latin(text) == text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đorđe", "djordje"),
        ("Ђорђе", "djordje"),
        ("Hoxhë", "hoxhe"),
        ("Çela", "cela"),
        ("Ѓорѓи Јовановски", "gjorgji jovanovski"),
        ("Ǵorǵi", "gjorgji"),
        ("Ḱiro", "kjiro"),
        ("Ќиро", "kjiro"),
        ("Љубица Џемаил", "ljubica dzemail"),
        ("O'Neil-Smith", "o neil smith"),
        ("  Petrović ,  Marko  ", "petrovic marko"),
        ("ČĆŠŽĐ", "ccszdj"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_composes_decomposed_accents() -> None:
    assert fold("G\u0301org\u0301i") == "gjorgji"


def test_tokens_drop_empty_tokens() -> None:
    assert tokens(" -Đorđe--Petrović- ") == ["djordje", "petrovic"]
    assert tokens("") == []
    assert tokens(" ' - ") == []


@pytest.mark.parametrize(
    "variants",
    [
        ("Hoxha", "Hoxhë", "Hodža", "Hodza", "Hoxhe"),
        ("Đorđe", "Djordje", "Dorde", "Ђорђе", "Đorđe"),
        ("Krasniqi", "Krasnići", "Krasnici"),
        ("Petrović", "Petrovic", "Petrovich", "Петровић"),
        ("Shala", "Šala", "Шала"),
        ("Džemail", "Xhemail", "Dzhemail", "Џемаил"),
        ("Ljubica", "Љубица", "Lubica"),
        ("Marija", "Maria", "Mariya", "Марија"),
        ("Aleksandar", "Alexandar", "Александар"),
        ("Dhimitri", "Dimitri", "Dhimitrë"),
        ("Gjorgji", "Ѓорѓи", "Ǵorǵi"),
    ],
)
def test_skeleton_collides_for_spelling_variants(variants: tuple[str, ...]) -> None:
    skeletons = {skeleton(fold(name)) for name in variants}
    assert len(skeletons) == 1, skeletons


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("hoxha", "hoz"),
        ("djordje", "dord"),
        ("krasniqi", "krasnic"),
        ("alexander", "aleksander"),
        ("ll", "l"),
        ("aia", "a"),
        ("ea", "e"),
        ("o", "o"),
    ],
)
def test_skeleton_rules(token: str, key: str) -> None:
    assert skeleton(token) == key


def test_skeleton_keeps_different_names_apart() -> None:
    assert skeleton(fold("Hoxha")) != skeleton(fold("Hasani"))
    assert skeleton(fold("Jelena")) != skeleton(fold("Jovana"))


def test_name_keys_from_latin_and_cyrillic_names() -> None:
    skel_djordje = skeleton("djordje")
    skel_petrovic = skeleton("petrovic")
    assert name_keys("Đorđe Petrović", "Ђорђе Петровић") == {
        "f:djordje",
        f"s:{skel_djordje}",
        "f:petrovic",
        f"s:{skel_petrovic}",
    }


def test_name_keys_is_none_and_empty_safe() -> None:
    assert name_keys() == set()
    assert name_keys(None) == set()
    assert name_keys("", None, "  ") == set()
    assert name_keys(None, "Arben Hoxha", "") == name_keys("Arben Hoxha")


def test_name_keys_skip_single_letter_tokens() -> None:
    assert name_keys("Arben K. Hoxha") == name_keys("Arben Hoxha")


def test_query_keys_prefix_finds_partial_name() -> None:
    stored = name_keys("Đorđe")
    [(folded, _skel)] = query_keys("Djor")
    assert folded == "djor"
    assert "f:djordje" in stored
    assert "f:djordje".startswith("f:" + folded)


def test_query_keys_prefix_finds_partial_cyrillic_name() -> None:
    [(folded, _skel)] = query_keys("Ђор")
    assert any(key.startswith("f:" + folded) for key in name_keys("Đorđe"))


def test_query_keys_cyrillic_skeleton_matches_latin_variant() -> None:
    [(folded, skel)] = query_keys("Ђорђе")
    assert folded == "djordje"
    assert f"s:{skel}" in name_keys("Djordje")
    assert skel == skeleton(fold("Djordje"))


def test_query_keys_albanian_definite_form_matches_indefinite() -> None:
    [(_folded, skel)] = query_keys("Hoxha")
    assert f"s:{skel}" in name_keys("Hoxhë")
    assert f"s:{skel}" in name_keys("Hodža")


def test_query_keys_drop_short_and_repeated_tokens() -> None:
    assert query_keys("A. Hoxha hoxha") == [("hoxha", skeleton("hoxha"))]
    assert query_keys("") == []
    assert query_keys(" - ") == []


def test_similarity_ignores_order_script_and_diacritics() -> None:
    assert similarity("Đorđe Petrović", "Petrovic Djordje") == 1.0
    assert similarity("Ђорђе Петровић", "Petrović Đorđe") == 1.0


def test_similarity_spelling_variants_score_high() -> None:
    assert similarity("Arben Hoxha", "Arben Hoxhë") >= 0.9
    assert similarity("Arben Hoxha", "Hodža Arben") >= 0.9
    assert similarity("Besnik Krasniqi", "Besnik Krasnići") >= 0.9


def test_similarity_different_people_score_low() -> None:
    assert similarity("Arben Hoxha", "Jelena Nikolić") < 0.5


def test_similarity_is_bounded_and_blank_safe() -> None:
    assert similarity("", "") == 0.0
    assert similarity("Arben Hoxha", "") == 0.0
    assert 0.0 <= similarity("Arben", "Arbena Hoxha") <= 1.0
