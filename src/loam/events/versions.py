"""SchemaVer version numbers, MODEL-REVISION-ADDITION, and which part a change bumps.

How Loam uses the three parts (Snowplow's SchemaVer, made exact for a registry):

- **MODEL** - a breaking change: some event valid before is invalid now, or a
  column changes meaning (parameter removed or renamed, type changed, optional
  -> required, new required parameter, enum value removed, constraint
  tightened). Never automatic: the caller asks for it (``bump="model"``,
  ``--bump model``), otherwise the save is refused with the list of breaking
  changes. Downstream, a new MODEL is a new table.
- **REVISION** - Snowplow's "may prevent interaction with some historical
  data" without invalidating any payload: a parameter's PII flag set or cleared.
  Every stored event still validates, but who may read the historical column
  and how it is masked changes, so consumers must look. (Changes Snowplow would
  also call REVISION, such as a tightened constraint, are breaking here, as the
  issue requires, and take a MODEL bump.)
- **ADDITION** - compatible with all historical data: additive changes (new
  optional parameter, new enum value, relaxed constraint, required -> optional)
  and documentation-only changes (descriptions, examples, owner, service,
  status, tags, tier, order). Downstream, at most new nullable columns.

A bump resets the parts to its right: 1-2-3 + ADDITION = 1-2-4, + REVISION =
1-3-0, + MODEL = 2-0-0. The first version is 1-0-0. A caller may always ask for
a bigger bump than needed, never a smaller one.

>>> str(SchemaVer.parse("1-0-3").bump("revision"))
'1-1-0'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from loam.events.errors import BreakingChange, InvalidVersion

Bump = Literal["auto", "addition", "revision", "model"]
Level = Literal["addition", "revision", "model"]
Classification = Literal["breaking", "revision", "additive", "metadata", "none"]

_RANK: dict[str, int] = {"addition": 1, "revision": 2, "model": 3}
_NEEDED: dict[str, Level] = {
    "breaking": "model",
    "revision": "revision",
    "additive": "addition",
    "metadata": "addition",
}
_PATTERN = re.compile(r"^([1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$")


@dataclass(frozen=True, order=True)
class SchemaVer:
    model: int
    revision: int
    addition: int

    @classmethod
    def parse(cls, text: str) -> SchemaVer:
        m = _PATTERN.match(text.strip())
        if m is None:
            raise InvalidVersion(
                f"'{text}' is not a SchemaVer version: expected MODEL-REVISION-ADDITION, e.g. 1-0-0"
            )
        return cls(int(m[1]), int(m[2]), int(m[3]))

    def bump(self, level: Level) -> SchemaVer:
        if level == "model":
            return SchemaVer(self.model + 1, 0, 0)
        if level == "revision":
            return SchemaVer(self.model, self.revision + 1, 0)
        return SchemaVer(self.model, self.revision, self.addition + 1)

    def __str__(self) -> str:
        return f"{self.model}-{self.revision}-{self.addition}"


FIRST_VERSION = SchemaVer(1, 0, 0)


def needed_level(classification: Classification) -> Level | None:
    """The least a change of this class must bump; None when nothing changed."""
    return _NEEDED.get(classification)


def next_version(
    current: SchemaVer, classification: Classification, bump: Bump = "auto", *, breaking: str = ""
) -> SchemaVer:
    """The version a change gets; a breaking change without ``bump="model"`` is refused.

    ``breaking`` lists the breaking changes, for the error message.
    """
    need = needed_level(classification)
    if need is None:
        return current
    if bump == "auto":
        if need == "model":
            raise BreakingChange(
                f"this change is breaking ({breaking or 'see the diff'}); it needs a new MODEL "
                f"version {current.bump('model')}: save again with bump=model "
                f"(CLI: --bump model) to confirm",
                details=[
                    {
                        "where": "bump",
                        "problem": "breaking change needs bump=model",
                        "suggestion": "model",
                    }
                ],
            )
        return current.bump(need)
    if _RANK[bump] < _RANK[need]:
        raise BreakingChange(
            f"a {classification} change needs at least a {need.upper()} bump, not {bump.upper()}"
            + (f" ({breaking})" if breaking else ""),
            details=[{"where": "bump", "problem": f"{bump} is too small", "suggestion": need}],
        )
    return current.bump(bump)
