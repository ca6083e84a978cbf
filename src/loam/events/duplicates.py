"""Near-duplicate event names: the same words in another order, case or separator only,
close spellings and synonyms, each answered with the existing event it collides with.

>>> index = NameIndex(["click_item_home"])
>>> [(d.existing, d.kind) for d in index.near_duplicates("item_click_home")]
[('click_item_home', 'reordered')]
>>> [(d.existing, d.kind) for d in index.near_duplicates("click_itme_home")]
[('click_item_home', 'close_spelling')]
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from loam.events.naming import osa_distance, split_words

DuplicateKind = Literal["same_name", "case_or_separator", "reordered", "close_spelling", "synonym"]

_REASONS: dict[str, str] = {
    "same_name": "is already registered",
    "case_or_separator": "differs from it only in case or separators",
    "reordered": "has the same words in another order",
    "close_spelling": "is spelt almost the same",
    "synonym": "means the same with a synonym",
}


@dataclass(frozen=True)
class NearDuplicate:
    existing: str
    kind: DuplicateKind
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"existing": self.existing, "kind": self.kind, "reason": self.reason}


def _reason(name: str, existing: str, kind: DuplicateKind) -> str:
    if kind == "same_name":
        return f"'{existing}' is already registered: edit it instead"
    return f"'{name}' {_REASONS[kind]} as the existing event '{existing}'"


def word_tolerance(word: str) -> int:
    """Typos forgiven in one word: none in short words (``ad`` vs ``app``), more in long ones."""
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 7 else 2


def _is_plural_pair(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return long_ in (short + "s", short + "es") or (
        short.endswith("y") and long_ == short[:-1] + "ies"
    )


def _word_distance(a: str, b: str) -> int | None:
    """Edits between two words when they count as the same word misspelt, else None."""
    if a == b:
        return 0
    if _is_plural_pair(a, b):
        return 1
    d = osa_distance(a, b)
    return d if d <= max(word_tolerance(a), word_tolerance(b)) else None


class NameIndex:
    """Existing event names, indexed by word so a check never scans them all."""

    def __init__(
        self, names: Iterable[str] = (), synonyms: Mapping[str, str] | None = None
    ) -> None:
        self.synonyms = {k.lower(): v.lower() for k, v in (synonyms or {}).items()}
        self.words: dict[str, list[str]] = {}
        self.squashed: dict[str, str] = {}
        self.by_word: dict[str, set[str]] = defaultdict(set)
        self.by_squashed: dict[str, set[str]] = defaultdict(set)
        self.by_deletion: dict[str, set[str]] = defaultdict(set)  # one letter left out
        self.word_deletions: dict[str, set[str]] = defaultdict(set)  # word minus <= 2 letters
        self.synonym_of: dict[str, set[str]] = defaultdict(set)
        for alias, meant in self.synonyms.items():
            self.synonym_of[meant].add(alias)
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        words = split_words(name)
        self.words[name] = words
        for w in set(words):
            if w not in self.by_word:
                for key in _deletions_upto(w, 2):
                    self.word_deletions[key].add(w)
            self.by_word[w].add(name)
        squashed = "".join(words)
        self.squashed[name] = squashed
        self.by_squashed[squashed].add(name)
        for key in {squashed, *_deletions(squashed)}:
            self.by_deletion[key].add(name)

    def near_duplicates(self, name: str, *, exclude: str | None = None) -> list[NearDuplicate]:
        """Registered events ``name`` collides with, closest first."""
        words = split_words(name)
        if not words:
            return []
        found: dict[str, DuplicateKind] = {}
        for other in self._candidates(words):
            if other == exclude:
                continue
            kind = self._compare(name, words, other, self.words[other])
            if kind is not None:
                found[other] = kind
        order = list(_REASONS)
        return [
            NearDuplicate(o, k, _reason(name, o, k))
            for o, k in sorted(found.items(), key=lambda t: (order.index(t[1]), t[0]))
        ]

    def _candidates(self, words: list[str]) -> set[str]:
        """Names worth comparing: the same letters, or every word found again in them."""
        squashed = "".join(words)
        out = set(self.by_squashed.get(squashed, ()))
        if len(squashed) >= 8:  # word boundaries may differ: one edit apart, all words joined
            for key in {squashed, *_deletions(squashed)}:
                out.update(self.by_deletion.get(key, ()))
        hits: Counter[str] = Counter()
        distinct = set(words)
        for w in distinct:
            matched: set[str] = set()
            for variant in self._variants(w):
                matched |= self.by_word.get(variant, set())
            hits.update(matched)
        n = len(words)
        out.update(o for o, c in hits.items() if c == len(distinct) and len(self.words[o]) == n)
        return out

    def _variants(self, word: str) -> set[str]:
        """Registered words ``word`` may stand for: itself, synonyms, plurals, close spellings."""
        out = {word}
        if word in self.synonyms:
            out.add(self.synonyms[word])
        out.update(self.synonym_of.get(word, ()))
        plurals = [word + "s", word + "es", word[:-1], word[:-2]]
        if word.endswith("y"):
            plurals.append(word[:-1] + "ies")
        if word.endswith("ies"):
            plurals.append(word[:-3] + "y")
        out.update(p for p in plurals if p in self.by_word and _is_plural_pair(word, p))
        for key in _deletions_upto(word, 2):
            for known in self.word_deletions.get(key, ()):
                if _word_distance(word, known) is not None:
                    out.add(known)
        return out

    def _compare(
        self, name: str, words: list[str], other: str, other_words: list[str]
    ) -> DuplicateKind | None:
        if name == other:
            return "same_name"
        if words == other_words:
            return "case_or_separator"
        if sorted(words) == sorted(other_words):
            return "reordered"
        if "".join(words) == "".join(other_words):
            return "case_or_separator"
        mapped = [self.synonyms.get(w, w) for w in words]
        other_mapped = [self.synonyms.get(w, w) for w in other_words]
        if (mapped != words or other_mapped != other_words) and sorted(mapped) == sorted(
            other_mapped
        ):
            return "synonym"
        if len(words) == len(other_words):
            return "close_spelling" if _close_words(words, other_words) else None
        a, b = "".join(words), "".join(other_words)
        if abs(len(a) - len(b)) <= 1 and len(a) >= 8 and osa_distance(a, b) <= 1:
            return "close_spelling"
        return None


def _deletions(text: str) -> list[str]:
    """``text`` with one letter left out, each way: two strings one edit apart share one."""
    return [text[:i] + text[i + 1 :] for i in range(len(text))]


def _deletions_upto(word: str, depth: int) -> set[str]:
    """``word`` with up to ``depth`` letters left out (symmetric-delete spelling lookup)."""
    keys = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {f[:i] + f[i + 1 :] for f in frontier for i in range(len(f))}
        keys |= frontier
    return keys


def _close_words(a: list[str], b: list[str]) -> bool:
    """Same number of words, each matched to one of the other's with few typos in all."""
    left = Counter(a) - Counter(b)
    right = Counter(b) - Counter(a)
    la, lb = list(left.elements()), list(right.elements())
    if not la or len(la) > 2:
        return False
    best: int | None = None
    for perm in itertools.permutations(lb):
        total = 0
        for x, y in zip(la, perm, strict=True):
            d = _word_distance(x, y)
            if d is None:
                break
            total += d
        else:
            best = total if best is None else min(best, total)
    return best is not None and best <= 2
