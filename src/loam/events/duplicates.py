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
        self.by_word: dict[str, set[str]] = defaultdict(set)
        self.by_squashed: dict[str, set[str]] = defaultdict(set)
        self.by_length: dict[int, set[str]] = defaultdict(set)
        for name in names:
            self.add(name)

    def add(self, name: str) -> None:
        words = split_words(name)
        self.words[name] = words
        for w in set(words):
            self.by_word[w].add(name)
        squashed = "".join(words)
        self.by_squashed[squashed].add(name)
        self.by_length[len(squashed)].add(name)

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
        squashed = "".join(words)
        out = set(self.by_squashed.get(squashed, ()))
        # A close spelling shares at least one word when it has two or more.
        shared: Counter[str] = Counter()
        for w in set(words):
            for other in self.by_word.get(w, ()):
                shared[other] += 1
        need = max(1, len(words) - 2)
        out.update(o for o, c in shared.items() if c >= need)
        if len(words) <= 2:  # nothing to share: compare with names of about the same length
            for n in range(len(squashed) - 2, len(squashed) + 3):
                out.update(self.by_length.get(n, ()))
        mapped = [self.synonyms.get(w, w) for w in words]
        if mapped != words:
            for w in set(mapped):
                out.update(self.by_word.get(w, ()))
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
