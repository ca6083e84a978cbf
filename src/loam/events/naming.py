"""The naming grammar: Action-Object-Service event names and snake_case parameter names.

A workspace configures the grammar (``[events.naming]`` in loam.toml): the
separator and casing, the allowed actions (a controlled vocabulary of verbs)
and, when it lists them, the registered objects and services.

>>> from loam.config import EventNamingSettings
>>> grammar = EventNamingSettings()
>>> [p.message for p in check_event_name("click_item_home", grammar)]
[]
>>> check_event_name("item_click_home", grammar)[0].suggestion
'click_item_home'
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from loam.config import EventNamingSettings
from loam.events.model import Parameter, Problem, walk_params

# Fields every event carries in its envelope; a custom parameter may not reuse them.
ENVELOPE_FIELDS: tuple[str, ...] = (
    "event_id",
    "event_name",
    "event_date",
    "event_timestamp",
    "event_version",
    "schema_version",
    "user_id",
    "anonymous_id",
    "device_id",
    "session_id",
    "platform",
    "app_version",
    "os_version",
    "client_timestamp",
    "server_timestamp",
    "received_at",
    "sent_at",
    "ingested_at",
    "write_key",
    "source",
    "params",
)

PARAM_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
WORD = re.compile(r"^[a-z][a-z0-9]*$")
MAX_PARAM_NAME = 64
PARTS = ("action", "object", "service")


@dataclass(frozen=True)
class ParsedName:
    action: str
    object: str
    service: str


def split_words(name: str) -> list[str]:
    """Words of a name in any style: ``clickItem-Home`` -> ``['click', 'item', 'home']``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def render_name(words: Iterable[str], grammar: EventNamingSettings) -> str:
    """Words joined in the workspace's separator and casing."""
    ws = [w.lower() for w in words]
    if grammar.casing == "camel":
        return "".join([ws[0], *(w.capitalize() for w in ws[1:])]) if ws else ""
    if grammar.casing == "pascal":
        return "".join(w.capitalize() for w in ws)
    joined = grammar.separator.join(ws)
    return joined.upper() if grammar.casing == "upper" else joined


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbours as one edit (``serach`` -> ``search``)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closest(word: str, vocabulary: Iterable[str]) -> str | None:
    """The vocabulary word a misspelt or inflected ``word`` most likely means."""
    vocab = list(vocabulary)
    if not vocab:
        return None
    for stem in _stems(word):
        if stem in vocab:
            return stem
    best = min(vocab, key=lambda v: (osa_distance(word, v), -_ratio(word, v)))
    tolerance = 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3
    if osa_distance(word, best) <= tolerance:
        return best
    if len(word) >= 4:  # a word cut short: "impress" -> "impression"
        started = sorted(v for v in vocab if v.startswith(word) or word.startswith(v))
        if started:
            return min(started, key=lambda v: abs(len(v) - len(word)))
    return None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _stems(word: str) -> list[str]:
    out = []
    for suffix in ("ing", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            base = word[: -len(suffix)]
            out.extend([base, base + "e"])
            if len(base) > 2 and base[-1] == base[-2]:
                out.append(base[:-1])  # clicked, chatted -> chat
    return out


class Grammar:
    """The configured grammar with its vocabularies ready for lookups."""

    def __init__(self, settings: EventNamingSettings) -> None:
        self.settings = settings
        self.actions = {_key(a) for a in settings.actions}
        self.objects = {_key(o) for o in settings.objects}
        self.services = {_key(s) for s in settings.services}
        self.synonyms = {k.lower(): v.lower() for k, v in settings.action_synonyms.items()}

    def allows(self, part: str, words: list[str]) -> bool:
        if not words or not all(WORD.match(w) for w in words):
            return False
        key = "_".join(words)
        vocab = {"action": self.actions, "object": self.objects, "service": self.services}[part]
        if part == "action":
            return key in vocab
        return key in vocab if vocab else True

    def parse(self, words: list[str]) -> ParsedName | None:
        """The first split of ``words`` into action, object and service the grammar allows."""
        n = len(words)
        splits = sorted(
            ((a, s) for a in range(1, n - 1) for s in range(a + 1, n)),
            key=lambda t: (t[0] - 1 + (n - t[1]) - 1, t[0]),
        )
        for a, s in splits:
            action, obj, service = words[:a], words[a:s], words[s:]
            if (
                self.allows("action", action)
                and self.allows("object", obj)
                and self.allows("service", service)
            ):
                return ParsedName("_".join(action), "_".join(obj), "_".join(service))
        return None


def _key(word: str) -> str:
    return "_".join(split_words(word))


def parse_event_name(name: str, settings: EventNamingSettings) -> ParsedName | None:
    return Grammar(settings).parse(split_words(name))


def check_event_name(name: str, settings: EventNamingSettings) -> list[Problem]:
    """Every way ``name`` breaks the grammar, each with the part at fault and a fix."""
    return analyse_event_name(name, settings)[0]


def analyse_event_name(
    name: str, settings: EventNamingSettings
) -> tuple[list[Problem], str | None]:
    """The problems of ``name`` and the whole name it should probably be (None if unsure)."""
    grammar = Grammar(settings)
    raw = name
    words = split_words(raw)
    if not raw.strip() or not words:
        return [Problem("name", "the event name is empty", part="name")], None
    problems = _format_problems(raw, words, settings)
    if len(raw) > settings.max_length:
        problems.append(
            Problem(
                "name",
                f"is {len(raw)} characters, the limit is {settings.max_length}",
                part="length",
            )
        )
    fixed = _grammar_fix(words, grammar, problems)
    suggestion = render_name(fixed, settings) if fixed else None
    if (
        not problems
        or suggestion == raw
        or any(p.part == "characters" for p in problems)
        or (suggestion is not None and grammar.parse(split_words(suggestion)) is None)
    ):
        suggestion = None
    whole = ("casing", "separator", "order", "structure")
    return [
        Problem(p.where, p.message, p.suggestion or suggestion, p.part) if p.part in whole else p
        for p in problems
    ], suggestion


def _format_problems(raw: str, words: list[str], s: EventNamingSettings) -> list[Problem]:
    out: list[Problem] = []
    canonical = render_name(words, s)
    bad_chars = sorted({c for c in raw if not c.isascii() or not (c.isalnum() or c == s.separator)})
    separators = [c for c in bad_chars if c in "-_. :/"]
    others = [c for c in bad_chars if c not in separators]
    if others:
        out.append(
            Problem(
                "name",
                f"contains {', '.join(repr(c) for c in others)}: use only letters, "
                "digits and the separator",
                part="characters",
            )
        )
    if separators:
        want = f"'{s.separator}'" if s.separator else "no separator (camel case)"
        out.append(
            Problem(
                "name",
                f"separates words with {', '.join(repr(c) for c in separators)}; "
                f"this workspace uses {want}",
                part="separator",
            )
        )
    sep = s.separator
    if sep and (raw.startswith(sep) or raw.endswith(sep) or sep * 2 in raw):
        out.append(
            Problem(
                "name",
                f"has an empty word (a leading, trailing or doubled '{sep}')",
                part="separator",
            )
        )
    if not out and raw != canonical:
        out.append(
            Problem(
                "name",
                f"is not in {s.casing} case: words are written as in '{canonical}'",
                part="casing",
            )
        )
    if words and words[0][0].isdigit():
        out.append(Problem("name", "starts with a digit", part="action"))
    return out


def _grammar_fix(words: list[str], grammar: Grammar, problems: list[Problem]) -> list[str]:
    """Append the Action-Object-Service problems; answer the words of the best fix."""
    if grammar.parse(words) is not None:
        return words
    if len(words) < 3:
        segmented = _segment("".join(words), grammar)
        if segmented is not None:
            problems.append(Problem("name", "the words are not separated", part="separator"))
            return segmented
        example = render_name(["click", "item", "home"], grammar.settings)
        problems.append(
            Problem(
                "name",
                f"has {len(words)} word(s); an event name is "
                f"action{_sep(grammar)}object{_sep(grammar)}service, e.g. {example}",
                part="structure",
            )
        )
        return words
    first = words[0]
    meant_as_action = grammar.synonyms.get(first) in grammar.actions or closest(
        first, grammar.actions
    )
    reordered = None if meant_as_action else _reorder(words, grammar)
    if reordered is not None:
        problems.append(
            Problem(
                "name",
                "the words are in the wrong order: the action comes first, then "
                "the object, then the service",
                part="order",
            )
        )
        return reordered
    moved = _misplaced_action(words, grammar)
    if moved is not None:
        word, action_word, fixed_words = moved
        problems.append(
            Problem(
                "name.action",
                f"the action comes first: '{word}' looks like the action "
                f"'{action_word}' but is not the first word",
                action_word,
                part="order",
            )
        )
        return fixed_words
    fixed = list(words)
    action, obj, service = words[0], words[1:-1], words[-1]
    if not grammar.allows("action", [action]):
        hint = grammar.synonyms.get(action) or closest(action, grammar.actions)
        msg = f"action '{action}' is not an allowed action"
        if hint is not None and hint in grammar.actions:
            fixed[0] = hint
            msg += f"; did you mean '{hint}'?"
        else:
            msg += f" (allowed: {', '.join(sorted(grammar.actions)[:12])}…)"
        problems.append(Problem("name.action", msg, hint, part="action"))
    if not grammar.allows("object", obj):
        problems.append(_part_problem("object", "_".join(obj), grammar.objects, fixed, 1, len(obj)))
    if not grammar.allows("service", [service]):
        problems.append(_part_problem("service", service, grammar.services, fixed, -1, 1))
    return fixed


def _segment(squashed: str, grammar: Grammar) -> list[str] | None:
    """``viewitemhome`` -> ``['view', 'item', 'home']`` when the vocabularies tell the split."""
    for action in sorted(grammar.actions, key=len, reverse=True):
        key = action.replace("_", "")
        if not squashed.startswith(key) or len(squashed) == len(key):
            continue
        rest = squashed[len(key) :]
        for service in sorted(grammar.services, key=len, reverse=True):
            skey = service.replace("_", "")
            middle = rest[: -len(skey)] if rest.endswith(skey) else ""
            if not middle:
                continue
            objects = {o.replace("_", ""): o for o in grammar.objects}
            if not objects or middle in objects:
                obj = objects.get(middle, middle)
                return [*action.split("_"), *obj.split("_"), *service.split("_")]
    return None


def _misplaced_action(words: list[str], grammar: Grammar) -> tuple[str, str, list[str]] | None:
    """A misspelt or synonymous action standing somewhere else than first, fixed and moved."""
    first = words[0]
    if grammar.synonyms.get(first) in grammar.actions or closest(first, grammar.actions):
        return None  # the first word is meant as the action
    for i, word in enumerate(words[1:], 1):
        action = grammar.synonyms.get(word) or closest(word, grammar.actions)
        if action is None or action not in grammar.actions:
            continue
        candidate = [action, *words[:i], *words[i + 1 :]]
        if grammar.parse(candidate) is not None:
            return word, action, candidate
    return None


def _part_problem(
    part: str, word: str, vocab: set[str], fixed: list[str], at: int, width: int
) -> Problem:
    if vocab:
        hint = closest(word, vocab)
        msg = f"{part} '{word}' is not a registered {part}"
        if hint is not None:
            msg += f"; did you mean '{hint}'?"
            if at == -1:
                fixed[-1:] = hint.split("_")
            else:
                fixed[at : at + width] = hint.split("_")
        else:
            msg += f" (registered: {', '.join(sorted(vocab)[:12])})"
        return Problem(f"name.{part}", msg, hint, part=part)
    return Problem(
        f"name.{part}",
        f"{part} '{word}' is not a word: start with a letter, then letters or digits",
        part=part,
    )


def _reorder(words: list[str], grammar: Grammar) -> list[str] | None:
    """The valid order of the same words closest to the given one, if there is one."""
    if len(words) > 6:
        return None
    best: tuple[int, list[str]] | None = None
    for perm in itertools.permutations(range(len(words))):
        candidate = [words[i] for i in perm]
        if candidate == words or grammar.parse(candidate) is None:
            continue
        inversions = sum(1 for i, j in itertools.combinations(perm, 2) if i > j)
        if best is None or inversions < best[0]:
            best = (inversions, candidate)
    return best[1] if best else None


def _sep(grammar: Grammar) -> str:
    return grammar.settings.separator or "-"


def to_snake(name: str) -> str:
    return "_".join(split_words(name))


def check_param_name(name: str, *, top_level: bool, reserved: Iterable[str] = ()) -> list[Problem]:
    """A parameter name is snake_case and, at the top level, no envelope field's twin."""
    out: list[Problem] = []
    envelope = {*ENVELOPE_FIELDS, *reserved}
    if not PARAM_NAME.match(name):
        fix = to_snake(name)
        if fix and fix[0].isdigit():
            fix = "n_" + fix
        if top_level and fix in envelope:
            fix = ""
        out.append(
            Problem(
                "",
                f"parameter '{name}' is not snake_case (lowercase words joined by '_', "
                "starting with a letter)",
                fix or None,
                part="param_name",
            )
        )
    if len(name) > MAX_PARAM_NAME:
        out.append(
            Problem(
                "",
                f"parameter '{name}' is longer than {MAX_PARAM_NAME} characters",
                part="param_name",
            )
        )
    if top_level:
        squashed = {e.replace("_", ""): e for e in envelope}
        twin = name if name in envelope else squashed.get(to_snake(name).replace("_", ""))
        if twin is not None:
            out.append(
                Problem(
                    "",
                    f"parameter '{name}' shadows the envelope field '{twin}' that every "
                    "event already carries; choose another name",
                    part="param_name",
                )
            )
    return out


def param_problems(params: list[Parameter], settings: EventNamingSettings) -> list[Problem]:
    """Naming problems of every parameter in the tree, each at its path."""
    out = []
    for path, node in walk_params(params):
        if not isinstance(node, Parameter):
            continue
        top = "." not in path and "[]" not in path
        for p in check_param_name(node.name, top_level=top, reserved=settings.reserved_params):
            out.append(Problem(f"params.{path}", p.message, p.suggestion, p.part))
    return out
