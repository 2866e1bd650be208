"""What an inbound text means for flows: the Inbound Message operators, captures into variables, and the
router that picks the one flow entry an inbound message starts.

Operators (the seed's "Inbound Message" section); all but `matches_regex` ignore case and unicode forms
(texts are compared as `fold` makes them, so "STRASSE" matches "straße"):

- `matches_text`: the whole body, surrounding whitespace trimmed, equals one of the values.
- `contains_text`: the body contains one of the values anywhere ("3times" contains "time").
- `contains_word`: a value occurs with no letter or digit right before or after it ("time!!" and
  "what is the time?" contain the word "time"; "times" and "3times" do not). A value may be several words.
- `matches_regex`: an RE2 search anywhere in the body, optionally ignoring case and multiline (^ and $ at
  line ends: "successful if any of the lines match").
- `equals_attribute`: the body contains the person's (non-empty) value of an attribute.
- `anything`: always.

Every pattern a marketer writes runs on RE2 (google-re2): linear time, no backtracking, so no pattern or
message can stall a worker. Python's `re` is only used for our own fixed patterns.

When several flows' Inbound Message entries match, the best operator wins (OPERATOR_RANK, the seed's
order: "Exact matches have a higher priority over Anything"), then the flow with the highest priority
setting, then chance ("the end user's input is forwarded to one of these flows randomly").
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import re2

from engine.core import variables as flow_variables

# The seed's processing order; a lower rank wins.
OPERATOR_RANK: dict[str, int] = {
    "equals_attribute": 0,
    "matches_text": 1,
    "matches_regex": 2,
    "contains_text": 3,
    "contains_word": 4,
    "anything": 5,
}
OPERATORS = tuple(OPERATOR_RANK)
VALUE_OPERATORS = ("matches_text", "contains_text", "contains_word")
CAPTURE_SOURCES = ("body", "recipient", "sender", "message_id", "gateway_id")

MAX_PATTERN = 1000
MAX_VALUE = 1000
MAX_VALUES = 100
# RE2's memory budget per pattern set (the router's). A set's DFA needs room for its states: too small a
# budget fails loudly in Compile(); once compiled, RE2 never gives up on a set search (it flushes its state
# cache and goes on), so Match cannot silently miss. Memory is only taken as states are built.
SET_MAX_MEM = 64 << 20

CONDITION_SCHEMA: dict = {
    "type": "object",
    "required": ["operator"],
    "properties": {
        "operator": {"enum": list(OPERATORS)},
        "values": {"type": "array", "items": {"type": "string"}},
        "pattern": {"type": "string"},
        "ignore_case": {"type": "boolean"},
        "multiline": {"type": "boolean"},
        "attribute": {"type": "string"},
    },
    "additionalProperties": False,
}
CAPTURE_SCHEMA: dict = {
    "type": "object",
    "required": ["source", "variable"],
    "properties": {
        "source": {"enum": list(CAPTURE_SOURCES)},
        "variable": {"type": "string"},
        "pattern": {"type": "string"},
    },
    "additionalProperties": False,
}


@dataclass(frozen=True)
class InboundText:
    """An inbound message as the core sees it: which channel, the text, who sent it to which of our
    numbers or addresses, and the ids it arrived with (ours and the gateway's)."""

    channel: str
    body: str
    sender: str = ""
    recipient: str = ""
    message_id: str = ""
    gateway_id: str = ""


# --- text folding and words ---------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")  # a run of letters and digits (any script); "_" separates like a symbol
_NEWLINES = re.compile(r"\r\n?")


def fold(text: str) -> str:
    """`text` as every operator compares it: NFKC-normalised and casefolded (as text replies are read,
    engine/core/text_replies.py), so "STRASSE" equals "straße", a decomposed "é" a composed one, and
    full-width "ｙｅｓ" "yes". Normalised again after casefolding, which can undo NFKC."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _lines(text: str) -> str:
    # SMS gateways and mail bodies bring \r\n; "^yes$" (multiline) must still match the line "yes".
    return _NEWLINES.sub("\n", text) if "\r" in text else text


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _word_at(folded_body: str, value: str, start: int) -> bool:
    """Whether `value` occurs in `folded_body` at `start` with no letter or digit touching it."""
    end = start + len(value)
    return (
        start >= 0
        and folded_body.startswith(value, start)
        and (start == 0 or not _is_word_char(folded_body[start - 1]))
        and (end == len(folded_body) or not _is_word_char(folded_body[end]))
    )


def contains_word(folded_body: str, value: str) -> bool:
    """Whether the folded `value` occurs in the folded body as a whole word (or words)."""
    start = folded_body.find(value)
    while start != -1:
        if _word_at(folded_body, value, start):
            return True
        start = folded_body.find(value, start + 1)
    return False


def _attribute_texts(value: object) -> list[str]:
    """The folded texts a person attribute value offers to equals_attribute (a list: each item)."""
    if value is None or isinstance(value, bool | dict):
        return []
    items = value if isinstance(value, list | tuple) else [value]
    texts = []
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            text = fold(str(item).strip())
            if text:
                texts.append(text)
    return texts


# --- patterns -----------------------------------------------------------------------------------------------

_UNSUPPORTED = (
    # (what RE2 says, what the marketer is told)
    (re.compile(r"invalid escape sequence: \\[1-9]"), "back-references such as \\1 are not supported"),
    (
        re.compile(r"invalid perl operator: \(\?<?[=!]"),
        "look-ahead and look-behind, (?=…) (?!…) (?<=…) (?<!…), are not supported",
    ),
    (re.compile(r"invalid perl operator: \(\?>"), "atomic groups (?>…) are not supported"),
    (
        re.compile(r"bad repetition operator: [*+?}]\+"),
        "possessive quantifiers such as a++ are not supported",
    ),
)


def _options(*, max_mem: int | None = None) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a marketer's typo is an issue on the canvas, not a line on stderr
    if max_mem:
        options.max_mem = max_mem
    return options


def _flags(*, ignore_case: bool, multiline: bool) -> str:
    # Inline flags rather than options, so patterns with different flags share one RE2 Set.
    flags = ("i" if ignore_case else "") + ("m" if multiline else "")
    return f"(?{flags})" if flags else ""


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used (too long, not RE2 syntax), or None. The sentence is shown to the
    marketer, so it names the construct RE2 refuses (RE2 matches in linear time, which rules out
    back-references and look-arounds)."""
    if len(pattern) > MAX_PATTERN:
        return f"The pattern is longer than {MAX_PATTERN} characters"
    try:
        re2.compile(pattern, _options())
    except re2.error as exc:
        reason = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        if "(?P=" in pattern and "invalid perl operator: (?P" in reason:
            told = "back-references such as (?P=name) are not supported"
            return f"The pattern does not compile: {told} (patterns run in linear time)"
        for said, told in _UNSUPPORTED:
            if said.search(reason):
                return f"The pattern does not compile: {told} (patterns run in linear time)"
        if "pattern too large" in reason:
            return "The pattern is too large: repeat less (e.g. smaller {n} counts)"
        return f"The pattern does not compile: {reason}"
    return None


def compiled(pattern: str, *, ignore_case: bool = False, multiline: bool = False) -> Any:
    """The RE2 regexp of a valid pattern (google-re2 caches compiled patterns)."""
    return re2.compile(_flags(ignore_case=ignore_case, multiline=multiline) + pattern, _options())


# --- conditions ---------------------------------------------------------------------------------------------


def condition_problems(condition: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) of every problem in one condition; field is relative to the condition
    ("values[1]", "pattern", "attribute")."""
    operator = condition.get("operator")
    if operator not in OPERATOR_RANK:
        return [("operator", f"Choose an operator: {', '.join(OPERATORS)}")]
    problems: list[tuple[str, str]] = []
    if operator in VALUE_OPERATORS:
        values = condition.get("values") or []
        if not values:
            problems.append(("values", "Add at least one value to compare the message with"))
        if len(values) > MAX_VALUES:
            problems.append(("values", f"At most {MAX_VALUES} values in one condition"))
        for i, value in enumerate(values):
            if not value.strip():
                problems.append((f"values[{i}]", f"Value {i + 1} is blank"))
            elif len(value) > MAX_VALUE:
                problems.append((f"values[{i}]", f"Value {i + 1} is longer than {MAX_VALUE} characters"))
    elif operator == "matches_regex":
        pattern = condition.get("pattern") or ""
        problem = "Write the pattern" if not pattern else pattern_problem(pattern)
        if problem:
            problems.append(("pattern", problem))
    elif operator == "equals_attribute":
        if not (condition.get("attribute") or "").strip():
            problems.append(("attribute", "Choose the person attribute the message must contain"))
    return problems


def condition_matches(condition: Mapping[str, Any], body: str, person: Mapping[str, object]) -> bool:
    """Whether `body` fulfils one condition (a valid one: see condition_problems)."""
    operator = condition["operator"]
    if operator == "anything":
        return True
    if operator == "matches_regex":
        regexp = compiled(
            condition["pattern"],
            ignore_case=condition.get("ignore_case", False),
            multiline=condition.get("multiline", False),
        )
        return regexp.search(_lines(body)) is not None
    folded = fold(body)
    if operator == "equals_attribute":
        return any(text in folded for text in _attribute_texts(person.get(condition["attribute"])))
    values = [fold(v.strip()) for v in condition.get("values", []) if v.strip()]
    if operator == "matches_text":
        return folded.strip() in values
    if operator == "contains_text":
        return any(value in folded for value in values)
    if operator == "contains_word":
        return any(contains_word(folded, value) for value in values)
    raise ValueError(f"unknown operator {operator!r}")


# --- captures -----------------------------------------------------------------------------------------------


def capture_problems(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) of every problem in one capture {"source", "variable", "pattern"}."""
    problems: list[tuple[str, str]] = []
    if spec.get("source") not in CAPTURE_SOURCES:
        problems.append(("source", f"Choose what to save: {', '.join(CAPTURE_SOURCES)}"))
    if not flow_variables.NAME.fullmatch(spec.get("variable") or ""):
        problems.append(("variable", flow_variables.NAME_RULE))
    problem = pattern_problem(spec["pattern"]) if spec.get("pattern") else None
    if problem:
        problems.append(("pattern", problem))
    return problems


def capture(specs: Iterable[Mapping[str, Any]], inbound: InboundText) -> dict[str, str]:
    """The variables the captures take from an inbound message: the whole text (pattern ""), else the
    pattern's first group if it has groups, or its whole match. No match leaves the variable unset."""
    values: dict[str, str] = {}
    for spec in specs:
        text = getattr(inbound, spec["source"]) or ""
        pattern = spec.get("pattern") or ""
        if not pattern:
            values[spec["variable"]] = text
            continue
        regexp = compiled(pattern)
        found = regexp.search(text)
        if found is None:
            continue
        value = found.group(1) if regexp.groups else found.group(0)
        if value is not None:
            values[spec["variable"]] = value
    return values


# --- the router ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteEntry:
    """One Inbound Message entry point as the router knows it. `key` is the caller's (e.g. the trigger
    id); `recipient` "" takes messages to any of our numbers/addresses; `priority` is the flow's setting
    (1-5, 5 highest: docs/flow-format.md, settings.priority)."""

    key: Hashable
    channel: str
    recipient: str
    conditions: Sequence[Mapping[str, Any]]
    priority: int = 3


@dataclass(frozen=True)
class Decision:
    """The entry an inbound message starts, with the operator that matched and its rank."""

    key: Hashable
    operator: str
    rank: int


class Chooser(Protocol):
    def choice(self, seq: Sequence[Any], /) -> Any: ...


def normalise_recipient(recipient: str) -> str:
    """A number or address as the router compares them: no spaces, case ignored."""
    return "".join(recipient.split()).casefold()


@dataclass
class _PatternSet:
    """Many patterns matched in one RE2 pass; `owners[i]` are the entries of pattern i."""

    max_mem: int
    patterns: dict[str, int] = field(default_factory=dict)
    owners: list[list[int]] = field(default_factory=list)
    compiled: Any = None

    def add(self, pattern: str, entry: int) -> None:
        index = self.patterns.setdefault(pattern, len(self.patterns))
        if index == len(self.owners):
            self.owners.append([])
        self.owners[index].append(entry)

    def compile(self) -> None:
        if not self.patterns:
            return
        matcher = re2.Set.SearchSet(_options(max_mem=self.max_mem))
        for pattern in self.patterns:
            matcher.Add(pattern)
        matcher.Compile()
        self.compiled = matcher

    def entries(self, text: str) -> Iterable[int]:
        if self.compiled is None:
            return ()
        return (entry for index in self.compiled.Match(text) or () for entry in self.owners[index])


class _ChannelIndex:
    """The conditions of one channel's entries, indexed by operator so a message costs a few lookups and
    two RE2 passes, not a loop over every condition."""

    def __init__(self) -> None:
        self.exact: dict[str, list[int]] = defaultdict(list)  # matches_text: folded value -> entries
        # contains_word: the value's words -> (folded value, symbols before its first word, entry)
        self.words: dict[tuple[str, ...], list[tuple[str, int, int]]] = defaultdict(list)
        self.word_lengths: set[int] = set()
        self.symbol_words: list[tuple[str, int]] = []  # contains_word values without letters or digits
        self.texts = _PatternSet(SET_MAX_MEM)  # contains_text, escaped, against the folded body
        self.regexes = _PatternSet(SET_MAX_MEM)  # matches_regex, with their flags, against the body
        self.attributes: dict[str, list[int]] = defaultdict(list)
        self.anything: list[int] = []

    def add(self, condition: Mapping[str, Any], entry: int) -> None:
        operator = condition["operator"]
        if operator == "anything":
            self.anything.append(entry)
        elif operator == "equals_attribute":
            self.attributes[condition["attribute"]].append(entry)
        elif operator == "matches_regex":
            flags = _flags(
                ignore_case=condition.get("ignore_case", False), multiline=condition.get("multiline", False)
            )
            self.regexes.add(flags + condition["pattern"], entry)
        else:
            for raw in condition.get("values", []):
                value = fold(raw.strip())
                if not value:
                    continue
                if operator == "matches_text":
                    self.exact[value].append(entry)
                elif operator == "contains_text":
                    self.texts.add(re2.escape(value), entry)
                else:
                    found = _WORD.search(value)
                    if found is None:
                        self.symbol_words.append((value, entry))
                        continue
                    words = tuple(_WORD.findall(value))
                    self.words[words].append((value, found.start(), entry))
                    self.word_lengths.add(len(words))

    def compile(self) -> None:
        self.texts.compile()
        self.regexes.compile()

    # One finder per operator, in rank order; each yields the entries whose condition of that operator the
    # message fulfils (an entry may come more than once).

    def by_attribute(self, folded: str, person: Mapping[str, object]) -> Iterable[int]:
        for attribute, entries in self.attributes.items():
            if any(text in folded for text in _attribute_texts(person.get(attribute))):
                yield from entries

    def by_exact(self, folded: str) -> Iterable[int]:
        return self.exact.get(folded.strip(), ())

    def by_word(self, folded: str) -> Iterable[int]:
        if self.words:
            spans = [m.span() for m in _WORD.finditer(folded)]
            tokens = [folded[a:b] for a, b in spans]
            for n in self.word_lengths:
                for i in range(len(tokens) - n + 1):
                    for value, lead, entry in self.words.get(tuple(tokens[i : i + n]), ()):
                        # The words match; the value's symbols (and the boundaries) must too.
                        if _word_at(folded, value, spans[i][0] - lead):
                            yield entry
        for value, entry in self.symbol_words:
            if contains_word(folded, value):
                yield entry


class Router:
    """Decides which Inbound Message entry an inbound message starts. Built once from every active
    entry (RouteEntry) and asked per message; a decision costs a few dict lookups and two RE2 passes
    whatever the number of conditions.

    The caller builds it from published (validated) flows; an invalid condition is a ValueError naming
    the entry's key.
    """

    def __init__(self, entries: Iterable[RouteEntry]) -> None:
        self.entries: list[RouteEntry] = list(entries)
        self._recipients = [normalise_recipient(e.recipient) for e in self.entries]
        self._channels: dict[str, _ChannelIndex] = defaultdict(_ChannelIndex)
        for i, entry in enumerate(self.entries):
            for condition in entry.conditions:
                problems = condition_problems(condition)
                if problems:
                    field_name, message = problems[0]
                    raise ValueError(f"Inbound entry {entry.key!r}: {field_name}: {message}")
                self._channels[entry.channel].add(condition, i)
        for index in self._channels.values():
            index.compile()
        self._channels = dict(self._channels)

    def _levels(
        self, inbound: InboundText, person: Mapping[str, object]
    ) -> Iterable[tuple[str, Iterable[int]]]:
        """(operator, matching entries) in rank order, computed lazily so a decision stops early."""
        index = self._channels.get(inbound.channel)
        if index is None:
            return
        folded = fold(inbound.body)
        recipient = normalise_recipient(inbound.recipient)

        def eligible(found: Iterable[int]) -> list[int]:
            return sorted({i for i in found if self._recipients[i] in ("", recipient)})

        yield "equals_attribute", eligible(index.by_attribute(folded, person))
        yield "matches_text", eligible(index.by_exact(folded))
        yield "matches_regex", eligible(index.regexes.entries(_lines(inbound.body)))
        yield "contains_text", eligible(index.texts.entries(folded))
        yield "contains_word", eligible(index.by_word(folded))
        yield "anything", eligible(index.anything)

    def decide(
        self,
        inbound: InboundText,
        person: Mapping[str, object] | None = None,
        rng: Chooser = random,
        exclude: Collection[Hashable] = (),
    ) -> Decision | None:
        """The entry `inbound` starts: the best operator rank, then the highest flow priority, then a
        random choice (`rng.choice`) among the ties; None when no entry of that channel and recipient
        matches. `person` is only read by equals_attribute conditions. Entries whose key is in `exclude`
        (tried already: the flow refused the person) are passed over."""
        for operator, found in self._levels(inbound, person or {}):
            if exclude:
                found = [i for i in found if self.entries[i].key not in exclude]
            if found:
                best = max(self.entries[i].priority for i in found)
                chosen = rng.choice([i for i in found if self.entries[i].priority == best])
                return Decision(self.entries[chosen].key, operator, OPERATOR_RANK[operator])
        return None

    def matches(
        self, inbound: InboundText, person: Mapping[str, object] | None = None
    ) -> list[tuple[Hashable, int]]:
        """Every matching entry as (key, best rank), best first (rank, then flow priority, then entry
        order): what decide() chooses from, for diagnostics and tests."""
        best: dict[int, int] = {}
        for operator, found in self._levels(inbound, person or {}):
            for i in found:
                best.setdefault(i, OPERATOR_RANK[operator])
        ordered = sorted(best, key=lambda i: (best[i], -self.entries[i].priority, i))
        return [(self.entries[i].key, best[i]) for i in ordered]
