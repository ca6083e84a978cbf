"""The dictionary's search: BM25 ranking over an in-memory inverted index of the events.

Names, descriptions, parameter names and descriptions, owners, services and
tags are tokenised (``click_item_home`` -> click, item, home) and weighted by
field (a word in the name counts more than one in a description). The last
query word also matches as a prefix, so results come while typing. The index is
plain Python, so search works the same whatever database holds the catalog.

>>> index = SearchIndex()
>>> index.upsert(SearchDocument("click_item_home", {"name": "click_item_home",
...     "description": "Tap on an item card in the home feed", "owner": "marketplace"}))
>>> [h.name for h in index.search("item car")]
['click_item_home']
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# How much one occurrence counts in each field.
FIELD_WEIGHTS = {
    "name": 4.0,
    "param": 2.0,
    "tag": 2.0,
    "owner": 2.0,
    "service": 2.0,
    "description": 1.0,
    "param_description": 0.7,
}
K1, B = 1.2, 0.75
MAX_PREFIX_TERMS = 64
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "when",
        "with",
    ]
)
_SPLIT = re.compile(r"[^0-9A-Za-z\u00c0-\uffff]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


def tokenize(text: str) -> list[str]:
    """Lowercase words; snake_case and camelCase names split into their words."""
    out = []
    for raw in _SPLIT.split(_CAMEL.sub(r"\1 \2", text)):
        word = raw.lower()
        if word and word not in _STOP:
            out.append(_stem(word))
    return out


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass
class SearchDocument:
    """One event as the index sees it: text per field plus what filters and results need."""

    name: str
    fields: dict[str, str]
    owner: str = ""
    service: str = ""
    status: str = ""
    tags: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    param_paths: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SearchHit:
    name: str
    score: float
    matched: list[str]  # the fields the query matched in
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary,
            "name": self.name,
            "score": round(self.score, 4),
            "matched": self.matched,
        }


def document_from(summary: Any, definition: Mapping[str, Any]) -> SearchDocument:
    """A document from an event summary and the definition's plain data."""
    paths: list[str] = []
    param_names: list[str] = []
    param_descriptions: list[str] = []
    for path, node in _walk(definition.get("params") or [], ""):
        paths.append(path)
        if "name" in node:
            param_names.append(str(node["name"]))
        if node.get("description"):
            param_descriptions.append(node["description"])
    tags = list(summary.tags)
    return SearchDocument(
        name=summary.name,
        fields={
            "name": summary.name,
            "description": summary.description,
            "owner": summary.owner,
            "service": summary.service,
            "tag": " ".join(tags),
            "param": " ".join(param_names),
            "param_description": " ".join(param_descriptions),
        },
        owner=summary.owner,
        service=summary.service,
        status=summary.status,
        tags=tags,
        summary=summary.as_dict(),
        param_paths=paths,
    )


def _walk(
    params: Iterable[Mapping[str, Any]], prefix: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for p in params:
        path = f"{prefix}{p['name']}"
        yield path, p
        yield from _children(p, path)


def _children(node: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if node.get("type") == "object":
        yield from _walk(node.get("params") or [], path + ".")
    elif node.get("type") == "array" and node.get("items"):
        item = node["items"]
        if item.get("description"):
            yield path + "[]", item
        yield from _children(item, path + "[]")


class SearchIndex:
    """Postings ``term -> {event: weighted term frequency}``, kept up to date by ``upsert``."""

    def __init__(self) -> None:
        self.docs: dict[str, SearchDocument] = {}
        self.postings: dict[str, dict[str, float]] = defaultdict(dict)
        self.fields_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.length: dict[str, float] = {}
        self.total_length = 0.0
        self.terms: list[str] = []  # sorted, for prefix lookups
        self._terms_dirty = False
        self.params: dict[str, dict[str, list[str]]] = defaultdict(dict)
        self._norms: dict[str, float] | None = None

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> SearchIndex:
        index = cls()
        for row in rows:
            index.upsert(document_from(row["summary"], row["definition"]))
        return index

    def upsert(self, doc: SearchDocument) -> None:
        if doc.name in self.docs:
            self.remove(doc.name)
        self.docs[doc.name] = doc
        tf: dict[str, float] = defaultdict(float)
        length = 0.0
        for fname, text in doc.fields.items():
            weight = FIELD_WEIGHTS.get(fname, 1.0)
            for term in tokenize(text):
                tf[term] += weight
                length += weight
                self.fields_of[(term, doc.name)].add(fname)
        for term, value in tf.items():
            if term not in self.postings:
                self._terms_dirty = True
            self.postings[term][doc.name] = value
        self.length[doc.name] = length
        self.total_length += length
        self._norms = None
        for path in doc.param_paths:
            leaf = path.rsplit(".", 1)[-1].removesuffix("[]")
            for key in {leaf, path.replace("[]", "")}:
                self.params[key].setdefault(doc.name, []).append(path)

    def remove(self, name: str) -> None:
        doc = self.docs.pop(name, None)
        if doc is None:
            return
        for term in {t for f in doc.fields.values() for t in tokenize(f)}:
            self.postings[term].pop(name, None)
            self.fields_of.pop((term, name), None)
            if not self.postings[term]:
                del self.postings[term]
                self._terms_dirty = True
        self.total_length -= self.length.pop(name, 0.0)
        self._norms = None
        for key in list(self.params):
            self.params[key].pop(name, None)
            if not self.params[key]:
                del self.params[key]

    def events_with_param(self, param: str) -> dict[str, list[str]]:
        found = self.params.get(param.replace("[]", ""), {})
        return {name: sorted(set(paths)) for name, paths in sorted(found.items())}

    def search(
        self,
        query: str = "",
        *,
        limit: int = 20,
        offset: int = 0,
        team: str | None = None,
        service: str | None = None,
        status: str | None = None,
        tag: str | None = None,
        param: str | None = None,
    ) -> list[SearchHit]:
        """Events matching every query word (the last one as a prefix), best first."""
        allowed = self._filtered(team, service, status, tag, param)
        words = tokenize(query)
        if not words:
            names = sorted(allowed if allowed is not None else self.docs)
            return [self._hit(n, 0.0, []) for n in names[offset : offset + limit]]
        groups = [
            (w, self._expand(w, prefix=(i == len(words) - 1 and not query[-1:].isspace())))
            for i, w in enumerate(words)
        ]
        scores = self._score(groups, allowed, require_all=True)
        if not scores:
            scores = self._score(groups, allowed, require_all=False)
        exact = query.strip().lower()
        if exact in scores:
            scores[exact] += 100.0  # the event named exactly so comes first
        ranked = heapq.nsmallest(offset + limit, scores.items(), key=lambda t: (-t[1], t[0]))
        return [self._hit(n, sc, self._matched(n, groups)) for n, sc in ranked[offset:]]

    def _filtered(
        self,
        team: str | None,
        service: str | None,
        status: str | None,
        tag: str | None,
        param: str | None,
    ) -> set[str] | None:
        if not any((team, service, status, tag, param)):
            return None
        names = set(self.events_with_param(param)) if param else set(self.docs)
        return {
            n
            for n in names
            if (not team or self.docs[n].owner == team)
            and (not service or self.docs[n].service == service)
            and (not status or self.docs[n].status == status)
            and (not tag or tag in self.docs[n].tags)
        }

    def _expand(self, word: str, *, prefix: bool) -> list[str]:
        if not prefix:
            return [word] if word in self.postings else []
        if self._terms_dirty:
            self.terms = sorted(self.postings)
            self._terms_dirty = False
        start = bisect.bisect_left(self.terms, word)
        out = []
        for term in self.terms[start:]:
            if not term.startswith(word):
                break
            out.append(term)
        if len(out) > MAX_PREFIX_TERMS:  # keep the commonest completions
            out = sorted(out, key=lambda t: -len(self.postings[t]))[:MAX_PREFIX_TERMS]
            if word in self.postings and word not in out:
                out.append(word)
        return out

    def _score(
        self,
        groups: list[tuple[str, list[str]]],
        allowed: set[str] | None,
        *,
        require_all: bool,
    ) -> dict[str, float]:
        """BM25 over the candidates: with ``require_all`` only events matching every group."""
        candidates: set[str] | None = allowed
        if require_all:
            for _, terms in sorted(groups, key=lambda g: sum(len(self.postings[t]) for t in g[1])):
                matching: set[str] = set().union(*(self.postings[t].keys() for t in terms))
                candidates = matching if candidates is None else candidates & matching
                if not candidates:
                    return {}
        n_docs = max(len(self.docs), 1)
        lengths = self._length_norms()
        scores: dict[str, float] = {}
        for word, terms in groups:
            for term in terms:
                posting = self.postings[term]
                idf = math.log(1 + (n_docs - len(posting) + 0.5) / (len(posting) + 0.5))
                weight = idf * (K1 + 1) * (1.0 if term == word else 0.8)
                if candidates is not None and len(candidates) < len(posting):
                    pairs = [(n, posting[n]) for n in candidates if n in posting]
                else:
                    pairs = [
                        (n, tf)
                        for n, tf in posting.items()
                        if candidates is None or n in candidates
                    ]
                for name, tf in pairs:
                    scores[name] = scores.get(name, 0.0) + weight * tf / (tf + lengths[name])
        return scores

    def _length_norms(self) -> dict[str, float]:
        """``K1 * (1 - B + B * length / average)`` per event, cached until the index changes."""
        if self._norms is None:
            avg = self.total_length / len(self.docs) if self.docs else 1.0
            self._norms = {n: K1 * (1 - B + B * ln / avg) for n, ln in self.length.items()}
        return self._norms

    def _matched(self, name: str, groups: list[tuple[str, list[str]]]) -> list[str]:
        out: set[str] = set()
        for _, terms in groups:
            for t in terms:
                out |= self.fields_of.get((t, name), set())
        return sorted(out)

    def _hit(self, name: str, score: float, matched: list[str]) -> SearchHit:
        return SearchHit(name, score, matched, self.docs[name].summary)
