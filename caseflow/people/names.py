"""Name matching for returnees from the Western Balkans.

The same person is written down in many ways: with or without diacritics (Petrović /
Petrovic), in Cyrillic or Latin script (Ђорђе / Đorđe), with Albanian definite or indefinite
endings (Hoxha / Hoxhë), in the Serbian spelling of an Albanian name (Hodža) and in English-style
transliterations (Djordje, Petrovich). Staff also search with partial names ("Djor").

So a person is stored with a set of search keys (`name_keys`) and a query is turned into
lookups (`query_keys`): each query token matches a stored token by prefix on its folded form
(partial names, diacritics and script ignored) or exactly on its skeleton (spelling variants).
`similarity` ranks the candidates found that way.

This module is pure string handling on purpose: it imports nothing from Flask or the database,
so the same rules are used when keys are written, when they are queried and in tests.
"""

from __future__ import annotations

import re
import unicodedata

import cyrtranslit
from anyascii import anyascii
from rapidfuzz import fuzz

__all__ = ["fold", "name_keys", "query_keys", "similarity", "skeleton", "to_latin", "tokens"]

# Letters only the Macedonian alphabet has; their presence selects cyrtranslit's "mk" table
# (gje -> Ǵ, kje -> Ḱ, dze -> Dz) instead of the Serbian one.
_MACEDONIAN_ONLY = frozenset("ЃѓЌќЅѕ")

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# cyrtranslit writes Љ as "Lj" even inside an all-capitals word ("LjUBICA"); a digraph
# followed by a capital letter is made all-capitals too.
_TITLE_DIGRAPH_IN_CAPITALS = re.compile(r"(Lj|Nj|Dž|Dz)(?=[A-ZČĆŠŽĐǴḰ])")

# Letters anyascii folds too far for these languages: it turns Đ into "D" and the Macedonian
# Ǵ/Ḱ into "G"/"K", losing the sound. The usual romanisations are dj, gj and kj.
_BEFORE_ASCII = str.maketrans({
    "Đ": "Dj", "đ": "dj",
    "Ǵ": "Gj", "ǵ": "gj",
    "Ḱ": "Kj", "ḱ": "kj",
})

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")

# Digraph reductions for `skeleton`, applied in this order (longer / more specific first, so
# "dzh" is not half-eaten by "dz" and "lj"/"nj"/"dj"/"gj"/"kj" go before the lone "j").
_SKELETON_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("dzh", "z"),  # English-style transliteration of Џ/dž
    ("xh", "z"),  # Albanian xh = dž: Hoxha / Hodža
    ("dz", "z"),  # dž folded (Hodža -> hodza), Macedonian dze
    ("zh", "z"),  # Albanian zh = ž
    ("dj", "d"),  # Đ/đ: Djordje / Dorde
    ("gj", "g"),  # Albanian gj, Macedonian Ѓ
    ("kj", "k"),  # Macedonian Ќ
    ("dh", "d"),  # Albanian dh: Dhimitri / Dimitri
    ("th", "t"),  # Albanian th: Thanas / Tanas
    ("sh", "s"),  # Albanian sh = š
    ("ch", "c"),  # English-style č/ć: Petrovich
    ("ts", "c"),  # English-style ц: Tsvetkovic
    ("q", "c"),  # Albanian q = ć: Krasniqi / Krasnići
    ("x", "ks"),  # a remaining x is the Latin/English "ks": Alexandar / Aleksandar
    ("lj", "l"),
    ("nj", "n"),
    ("j", "i"),  # Marija / Maria, Jovan / Yovan
    ("y", "i"),
    ("w", "v"),
)

_DOUBLED = re.compile(r"(.)\1+")
_VOWELS = "aeiou"


def to_latin(text: str) -> str:
    """Cyrillic (Serbian or Macedonian) to Latin script with diacritics kept; Latin text unchanged.

    Kept separate from `fold` so a readable Latin form (Đorđe, Ǵorǵi) can be shown to staff who
    do not read Cyrillic. The Macedonian table is used only when a Macedonian-only letter is
    present, since the two alphabets otherwise coincide and Serbian is the more common case.
    """
    text = unicodedata.normalize("NFC", text)
    if not _CYRILLIC.search(text):
        return text
    lang = "mk" if _MACEDONIAN_ONLY.intersection(text) else "sr"
    latin = cyrtranslit.to_latin(text, lang)
    return _TITLE_DIGRAPH_IN_CAPITALS.sub(lambda m: m.group(1).upper(), latin)


def fold(text: str) -> str:
    """Lower-case ASCII form: script and diacritics removed, đ -> dj, punctuation/hyphens ->
    spaces, spaces collapsed.

    'Đorđe' -> 'djordje', 'Ђорђе' -> 'djordje', 'Hoxhë' -> 'hoxhe', 'Çela' -> 'cela'.
    This is the form stored and compared, so that a name typed on a keyboard without Balkan
    letters, or read off a Cyrillic document, still finds the person. Hyphens and apostrophes
    split tokens so each part of a compound name ("O'Neil-Smith") can be searched on its own.
    """
    latin = to_latin(text).translate(_BEFORE_ASCII)
    ascii_text = anyascii(latin).lower()
    return _NOT_ALNUM.sub(" ", ascii_text).strip()


def tokens(text: str) -> list[str]:
    """fold(text).split(), dropping empty tokens.

    Names are matched word by word because their order varies (surname first on many forms).
    """
    return fold(text).split()


def skeleton(token: str) -> str:
    """A coarse key for one folded token so that spelling variants collide.

    Folding alone leaves Hoxha / Hodža ('hoxha' / 'hodza') or Krasniqi / Krasnići apart because
    the languages write the same sound differently. The skeleton applies, in this fixed order:
    dzh->z, xh->z, dz->z, zh->z, dj->d, gj->g, kj->k, dh->d, th->t, sh->s, ch->c, ts->c, q->c,
    x->ks, lj->l, nj->n, j->i, y->i, w->v; then collapses doubled letters ('ll'->'l') and strips
    trailing vowels (Hoxha / Hoxhë, Marija / Marije), always keeping at least the first letter.

    A lone x is read as "ks" (Alexandar / Aleksandar) rather than as the Albanian "dz", because
    the Albanian x is rare in names while the ks spelling is common.
    Expects a folded token (see `fold`); the result is deterministic and may be short.
    """
    key = token
    for old, new in _SKELETON_REPLACEMENTS:
        key = key.replace(old, new)
    key = _DOUBLED.sub(r"\1", key)
    stripped = key.rstrip(_VOWELS)
    return stripped or key[:1]


def _usable_tokens(text: str | None) -> list[str]:
    if not text:
        return []
    return [token for token in tokens(text) if len(token) >= 2]


def name_keys(*names: str | None) -> set[str]:
    """Search keys to store for a person, from any of their names.

    Pass every form on record (document name, original-script name); missing ones may be None
    or empty. For each token of each name: the folded token (prefixed 'f:', for prefix and
    diacritic-free lookups) and its skeleton (prefixed 's:', for spelling variants). Tokens
    shorter than 2 characters (initials) are skipped: they would match almost everyone.
    Example: name_keys('Đorđe Petrović', 'Ђорђе Петровић') ==
    {'f:djordje', 's:dord', 'f:petrovic', 's:petrovic'}.
    """
    keys: set[str] = set()
    for name in names:
        for token in _usable_tokens(name):
            keys.add(f"f:{token}")
            keys.add(f"s:{skeleton(token)}")
    return keys


def query_keys(query: str) -> list[tuple[str, str]]:
    """For each token of a search query, (folded_token, skeleton).

    The caller looks up stored keys with a PREFIX match on 'f:' + folded_token (partial names:
    "Djor" finds Đorđe) OR an exact match on 's:' + skeleton (spelling variants: "Hodza" finds
    Hoxha). Tokens shorter than 2 characters are dropped, as in `name_keys`; repeated tokens
    are returned once, in query order.
    """
    keys: list[tuple[str, str]] = []
    for token in _usable_tokens(query):
        pair = (token, skeleton(token))
        if pair not in keys:
            keys.append(pair)
    return keys


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two full names, order-insensitive, to rank search candidates.

    The best of rapidfuzz's token_sort_ratio on the folded names and on their skeletons, so
    that word order, diacritics, script and spelling variants do not lower the score.
    A blank name is similar to nothing (0.0).
    """
    tokens_a, tokens_b = tokens(a), tokens(b)
    if not tokens_a or not tokens_b:
        return 0.0
    folded = fuzz.token_sort_ratio(" ".join(tokens_a), " ".join(tokens_b))
    skeletons = fuzz.token_sort_ratio(
        " ".join(skeleton(t) for t in tokens_a), " ".join(skeleton(t) for t in tokens_b)
    )
    return max(folded, skeletons) / 100
