"""Which entries matter, and which were seen before.

Keyword matching compares normalized text: NFKC (full-width → half-width), traditional →
simplified (OpenCC's character tables), case-folded, without whitespace or invisible format characters — so
``溫泉街道``, ``温泉 街道`` and ``ＷＥＮＱＵＡＮ`` match the keywords ``温泉街道`` and ``wenquan``.

Dedupe works from values already in memory (the loaded cases and the state file), never by
reading case files: an entry whose guid or normalized URL is known opens nothing; an entry whose
title is close to an *open* case's title is a repeat report (重复反映) of that case; one close to
a finished case opens a new case that names the old one in ``related``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import opencc

_TRACKING = re.compile(r"^(utm_|spm$|from$|share_|wfr$|_t$|timestamp$)", re.IGNORECASE)
REPEAT_NOTE_PREFIX = "重复反映"
_URL_IN_TEXT = re.compile(r"https?://\S+")
SIMILARITY_THRESHOLD = 0.5


def _character_table() -> dict[int, str]:
    """Traditional (and Taiwan/Hong Kong variant) characters → simplified, from OpenCC's own
    dictionaries. Character by character is enough for matching, because keywords and text go
    through the same table, and ``str.translate`` is fast enough for thousands of entries."""
    folder = Path(opencc.__file__).parent / "dictionary"

    def pairs(name: str) -> dict[str, str]:
        out = {}
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            fields = line.split()
            if len(fields) >= 2 and len(fields[0]) == 1 and len(fields[1]) == 1:
                out.setdefault(fields[0], fields[1])
        return out

    to_simplified = pairs("TSCharacters.txt")
    table = {ord(t): s for t, s in to_simplified.items()}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for variant, standard in pairs(name).items():
            table.setdefault(ord(variant), to_simplified.get(standard, standard))
    return table


_T2S = _character_table()


# Whitespace and the invisible format characters (Unicode Cf) a post can hide inside a word.
_INVISIBLE = re.compile(
    "[\\s\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]+"
)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """The form keywords and text are compared in."""
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text.translate(_T2S).casefold())


def title_key(title: str) -> str:
    """Normalized title without punctuation or symbols: what near-duplicates are compared on."""
    return "".join(ch for ch in normalize(title) if unicodedata.category(ch)[0] in "LN")


@dataclass(frozen=True)
class KeywordRule:
    keywords: tuple[str, ...]  # as written, for reporting
    exclude: tuple[str, ...] = ()
    _keys: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _exclude_keys: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def of(cls, keywords: Iterable[str], exclude: Iterable[str] = ()) -> KeywordRule:
        kw = tuple(k for k in keywords if normalize(k))
        ex = tuple(k for k in exclude if normalize(k))
        return cls(kw, ex, tuple(normalize(k) for k in kw), tuple(normalize(k) for k in ex))

    def match(self, *texts: str) -> tuple[str, ...]:
        """Keywords found in the texts; empty when none is found or an exclude word is."""
        haystack = "\n".join(normalize(t) for t in texts if t)
        if any(k in haystack for k in self._exclude_keys):
            return ()
        return tuple(
            kw for kw, key in zip(self.keywords, self._keys, strict=True) if key in haystack
        )


def normalize_url(url: str | None) -> str | None:
    """Scheme and host lower-cased, default port, fragment and tracking parameters dropped,
    query sorted, no trailing slash: two spellings of one post's address compare equal."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    )
    path = parts.path.rstrip("/") or ""
    # http and https addresses of the same post are the same post.
    return urlunsplit(("", host, path, urlencode(query), "")).lstrip("/")


def _bigrams(key: str) -> frozenset[str]:
    if len(key) < 2:
        return frozenset({key}) if key else frozenset()
    return frozenset(key[i : i + 2] for i in range(len(key) - 1))


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams of two title keys (0…1); robust for Chinese."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


@dataclass
class DuplicateIndex:
    """Everything ingest must not open twice, built once from memory.

    ``known`` holds guids and normalized URLs of every case's source, of repeat reports recorded
    as notes, and of entries the state file remembers (cases people deleted stay deleted).
    Case titles go into a bigram inverted index so a near-duplicate lookup compares only with
    cases that share a bigram, not with the whole archive.
    """

    known: dict[str, str] = field(default_factory=dict)  # key → case id or "" (state)
    titles: dict[str, frozenset[str]] = field(default_factory=dict)  # case id → title bigrams
    open_ids: set[str] = field(default_factory=set)
    postings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def remember(self, case_id: str, guid: str | None = None, url: str | None = None) -> None:
        if guid:
            self.known.setdefault(f"guid:{guid}", case_id)
        if norm := normalize_url(url):
            self.known.setdefault(f"url:{norm}", case_id)

    def remember_key(self, key: str) -> None:
        self.known.setdefault(key, "")

    def add_case(self, case_id: str, title: str, *, open_: bool) -> None:
        key = title_key(title)
        grams = _bigrams(key)
        self.titles[case_id] = grams
        if open_:
            self.open_ids.add(case_id)
        for gram in grams:
            self.postings[gram].add(case_id)

    def seen(self, guid: str | None, url: str | None) -> tuple[str, str] | None:
        """(how, case id or "") when the entry was recorded before, else None."""
        if guid and (hit := self.known.get(f"guid:{guid}")) is not None:
            return "guid", hit
        if (norm := normalize_url(url)) and (hit := self.known.get(f"url:{norm}")) is not None:
            return "url", hit
        return None

    def similar_cases(
        self, title: str
    ) -> tuple[tuple[str, float] | None, tuple[str, float] | None]:
        """(best open case, best other case) whose title is close to ``title``, with scores."""
        key = title_key(title)
        if len(key) < 4:
            return None, None
        grams = _bigrams(key)
        counts: dict[str, int] = defaultdict(int)
        for gram in grams:
            for case_id in self.postings.get(gram, ()):
                counts[case_id] += 1
        best: dict[bool, tuple[str, float]] = {}
        for case_id, shared in sorted(counts.items()):
            score = 2 * shared / (len(grams) + len(self.titles[case_id]))
            if score < SIMILARITY_THRESHOLD:
                continue
            slot = case_id in self.open_ids
            if slot not in best or score > best[slot][1]:
                best[slot] = (case_id, score)
        return best.get(True), best.get(False)


def entry_keys(guid: str | None, url: str | None) -> list[str]:
    """The state-file keys that stand for one feed entry."""
    keys = [f"guid:{guid}"] if guid else []
    if norm := normalize_url(url):
        keys.append(f"url:{norm}")
    return keys


def urls_in_note(text: str | None) -> list[str]:
    """URLs of repeat reports recorded by ingest as ``note`` events (``<url> （重复反映：…）``)."""
    if not text or REPEAT_NOTE_PREFIX not in text:
        return []
    return [u.rstrip("。，,.)）") for u in _URL_IN_TEXT.findall(text)]
