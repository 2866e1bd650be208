"""Rule documents: parse and validate them with precise errors, then compile them to a `Q` over Person.

The document format is described in docs/segments.md. Compilation never loads persons: the result
is one SQL query (with subqueries) that the database evaluates with its indexes.
"""

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from people.attributes import (
    STANDARD_ATTRIBUTES,
    AttributeValueError,
    normalise_phone,
    parse_value,
    zone,
)
from people.conditions.operators import (
    COMPANY,
    EVENT,
    MAX_AMOUNT,
    OPERATORS,
    SEGMENT,
    TAG,
    UNITS,
    Duration,
    Operator,
    operators_for,
    units_for,
)
from people.conditions.targets import (
    NOBODY,
    CompanyTarget,
    SegmentTarget,
    TagTarget,
    Target,
    custom_target,
    standard_target,
)
from people.models import AttributeDefinition, Company, Person, Segment, Tag

DT = AttributeDefinition.DataType
MAX_DEPTH = 10
MAX_CONDITIONS = 200
MAX_DAYS = MAX_AMOUNT["days"]
SUBJECT_KEYS = ("attribute", TAG, COMPANY, SEGMENT, EVENT)


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule document; `path` points at it, e.g. "rules[1].rules[0].operator"."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class RulesInvalid(ValueError):
    def __init__(self, errors: list[RuleError]):
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors


@dataclass
class Group:
    op: str
    rules: list["Node"]


@dataclass
class Condition:
    target: Target
    operator: Operator
    value: Any


Node = Group | Condition


# --- parsing and validation -------------------------------------------------------------------


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass
class _Parser:
    # The segment being saved: it may not refer to itself, directly or through other segments.
    segment_id: int | None = None
    # Whether tags, companies and segments must exist (saving and previewing); compiling a stored
    # segment is lenient about them: a deleted tag simply matches nobody.
    check_refs: bool = True
    errors: list[RuleError] = field(default_factory=list)
    conditions: int = 0
    _definitions: dict[str, AttributeDefinition] | None = None

    def error(self, path: str, message: str) -> None:
        self.errors.append(RuleError(path, message))

    def definitions(self) -> dict[str, AttributeDefinition]:
        if self._definitions is None:
            self._definitions = {d.key: d for d in AttributeDefinition.objects.all()}
        return self._definitions

    def node(self, doc: Any, path: str, depth: int) -> Node | None:
        if isinstance(doc, dict) and "op" in doc:
            return self.group(doc, path, depth)
        return self.condition(doc, path)

    def group(self, doc: Any, path: str, depth: int) -> Group | None:
        if not isinstance(doc, dict):
            self.error(path or "(root)", 'A group must be an object {"op": "and"|"or", "rules": [...]}.')
            return None
        if depth > MAX_DEPTH:
            self.error(path, f"Groups nest at most {MAX_DEPTH} deep.")
            return None
        ok = True
        for key in sorted(set(doc) - {"op", "rules"}):
            self.error(_join(path, key), "Unknown key in a group (a group has op and rules).")
            ok = False
        op = doc.get("op")
        if op not in ("and", "or"):
            self.error(_join(path, "op"), f'Must be "and" or "or", not {op!r}.')
            ok = False
        rules = doc.get("rules")
        if not isinstance(rules, list):
            self.error(_join(path, "rules"), "Must be a list of conditions and groups.")
            return None
        children = [
            self.node(child, _join(_join(path, "rules"), i), depth + 1) for i, child in enumerate(rules)
        ]
        if not ok or any(child is None for child in children):
            return None
        return Group(op=op, rules=[c for c in children if c is not None])

    def condition(self, doc: Any, path: str) -> Condition | None:
        if not isinstance(doc, dict):
            self.error(path, "A rule must be an object: a condition or a group.")
            return None
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.error(path, f"At most {MAX_CONDITIONS} conditions in one rule document.")
        subjects = [key for key in SUBJECT_KEYS if key in doc]
        if len(subjects) != 1:
            self.error(path, "A condition names exactly one of: attribute, tag, company, segment, event.")
            return None
        subject = subjects[0]
        if subject == EVENT:
            from people.conditions.events import parse_event_condition

            return parse_event_condition(self, doc, path)
        bad_keys = sorted(set(doc) - {subject, "operator", "value"})
        for key in bad_keys:
            self.error(_join(path, key), f"Unknown key in a {subject} condition.")
        target = self.target(subject, doc[subject], _join(path, subject))
        if target is None:
            return None
        kind = target.data_type
        name = doc.get("operator")
        allowed = [op.name for op in operators_for(kind)]
        if name not in OPERATORS or name not in allowed:
            what = f"{kind} attributes" if subject == "attribute" else f"{subject} conditions"
            known = "Unknown operator" if name not in OPERATORS else "Operator not allowed"
            self.error(
                _join(path, "operator"), f"{known} {name!r} for {what}; use one of: {', '.join(allowed)}."
            )
            return None
        operator = OPERATORS[name]
        ok, value = self.value(operator, target, doc, _join(path, "value"))
        if not ok or bad_keys:
            return None
        if subject == "attribute" and doc["attribute"] == "phone" and name in ("is", "is_not"):
            try:  # "phone is 0470 12 34 56" finds +32470123456, as stored
                value = normalise_phone(value) or value
            except AttributeValueError:
                pass
        return Condition(target=target, operator=operator, value=value)

    def target(self, subject: str, ref: Any, path: str) -> Target | None:
        if subject == "attribute":
            if not isinstance(ref, str) or not ref:
                self.error(path, "Must be an attribute key.")
                return None
            standard = STANDARD_ATTRIBUTES.get(ref)
            if standard:
                return standard_target(
                    ref,
                    standard.data_type,
                    blank_is_empty=standard.blank_is_empty,
                    anniversary=standard.anniversary,
                )
            definition = self.definitions().get(ref)
            if definition is None:
                self.error(path, f"Unknown attribute {ref!r}.")
                return None
            return custom_target(definition)
        if isinstance(ref, bool) or not isinstance(ref, int) or ref <= 0:
            self.error(path, f"Must be the id of a {subject}.")
            return None
        if subject == TAG:
            if self.check_refs and not Tag.objects.filter(pk=ref).exists():
                self.error(path, f"Tag {ref} does not exist.")
                return None
            return TagTarget(ref)
        if subject == COMPANY:
            if self.check_refs and not Company.objects.filter(pk=ref).exists():
                self.error(path, f"Company {ref} does not exist.")
                return None
            return CompanyTarget(ref)
        if self.check_refs:
            if not Segment.objects.filter(pk=ref).exists():
                self.error(path, f"Segment {ref} does not exist.")
                return None
            if self.segment_id is not None and _reaches(ref, self.segment_id):
                self.error(path, f"Segment {ref} refers back to this segment; segments may not form a cycle.")
                return None
        return SegmentTarget(ref)

    def value(self, operator: Operator, target: Target, doc: dict, path: str) -> tuple[bool, Any]:
        raw = doc.get("value")
        if operator.value == "none":
            if raw is not None:
                self.error(path, f"The operator {operator.name!r} takes no value.")
                return False, None
            return True, None
        if operator.value == "duration":
            duration = self.duration(raw, target, path)
            return duration is not None, duration
        if raw is None:
            self.error(path, f"The operator {operator.name!r} needs a value.")
            return False, None
        data_type = DT.TEXT if target.data_type == DT.LIST else target.data_type
        if data_type == DT.TEXT and isinstance(raw, str) and not raw.strip():
            self.error(path, "Must not be blank; use is_empty to find persons without a value.")
            return False, None
        try:
            return True, parse_value(data_type, raw)
        except AttributeValueError as exc:
            self.error(path, str(exc))
            return False, None

    def duration(self, raw: Any, target: Target, path: str) -> Duration | None:
        """{"amount": n, "unit": u} of a relative date operator; a bare whole number (older documents)
        is a number of days."""
        if raw is None:
            self.error(path, 'Needs a value: {"amount": n, "unit": "days"}.')
            return None
        if not isinstance(raw, dict):
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_DAYS:
                self.error(
                    path,
                    f"Must be a whole number of days from 0 to {MAX_DAYS}, "
                    f'or {{"amount": n, "unit": {" | ".join(UNITS)}}}.',
                )
                return None
            return Duration(raw, "days")
        ok = True
        for key in sorted(set(raw) - {"amount", "unit"}):
            self.error(_join(path, key), "Unknown key in a duration (it has amount and unit).")
            ok = False
        unit = raw.get("unit")
        if unit not in UNITS:
            self.error(_join(path, "unit"), f"Must be one of: {', '.join(UNITS)}; not {unit!r}.")
            return None
        if unit not in units_for(target.data_type):
            self.error(
                _join(path, "unit"),
                "Use days or weeks for a date attribute; minutes and hours need a date-time attribute.",
            )
            ok = False
        amount = raw.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT[unit]:
            self.error(
                _join(path, "amount"), f"Must be a whole number of {unit} from 0 to {MAX_AMOUNT[unit]}."
            )
            ok = False
        return Duration(amount, unit) if ok else None


def id_references(doc: Any, subject: str) -> set[int]:
    """The ids a rule document names for `subject` (TAG, COMPANY, SEGMENT: `{"tag": 3, ...}`),
    nested groups included."""
    found: set[int] = set()
    if isinstance(doc, dict):
        ref = doc.get(subject)
        if isinstance(ref, int) and not isinstance(ref, bool):
            found.add(ref)
        rules = doc.get("rules")
        for child in rules if isinstance(rules, list) else []:
            found |= id_references(child, subject)
    return found


def segment_references(doc: Any) -> set[int]:
    """The ids of the segments a rule document refers to directly."""
    return id_references(doc, SEGMENT)


def attribute_references(doc: Any) -> set[str]:
    """The attribute keys a rule document uses."""
    found: set[str] = set()
    if isinstance(doc, dict):
        if isinstance(doc.get("attribute"), str):
            found.add(doc["attribute"])
        rules = doc.get("rules")
        for child in rules if isinstance(rules, list) else []:
            found |= attribute_references(child)
    return found


def _reaches(start: int, goal: int) -> bool:
    """Whether segment `start` is `goal` or refers to it, directly or through other segments."""
    seen: set[int] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        for rules in Segment.objects.filter(pk=current).values_list("rules", flat=True):
            todo.extend(segment_references(rules))
    return False


def parse_rules(
    doc: Any,
    *,
    segment_id: int | None = None,
    check_refs: bool = True,
    definitions: Mapping[str, AttributeDefinition] | None = None,
) -> Group:
    """The validated tree of a rule document; raises RulesInvalid listing every problem found.

    `definitions`: the custom attribute definitions by key, when the caller has them (else one query).
    """
    parser = _Parser(
        segment_id=segment_id,
        check_refs=check_refs,
        _definitions=dict(definitions) if definitions is not None else None,
    )
    tree = parser.group(doc, "", 0)
    if parser.errors or tree is None:
        raise RulesInvalid(parser.errors or [RuleError("(root)", "Invalid rule document.")])
    return tree


def validate_rules(doc: Any, *, segment_id: int | None = None) -> list[RuleError]:
    """Every problem of a rule document (empty when it is valid)."""
    try:
        parse_rules(doc, segment_id=segment_id)
    except RulesInvalid as exc:
        return exc.errors
    return []


# --- compilation ------------------------------------------------------------------------------


@dataclass
class CompileContext:
    """What compiling needs besides the rules: the moment "now" (passed in, so tests and triggers
    decide it), the timezones persons live in, and the segments being expanded (cycle guard)."""

    now: dt.datetime
    stack: tuple[int, ...] = ()
    _timezones: list[str] | None = None
    # As at one stored event (a trigger deciding on it, `now` being its occurred_at): events stored after
    # it at that same instant (one batch) have not happened yet.
    event_up_to: int | None = None
    # Compiling for one person only (a trigger deciding about them): event subqueries read that person's
    # events through their index instead of grouping everyone's.
    person_id: int | None = None

    def timezones(self) -> list[str]:
        if self._timezones is None:
            rows = Person.objects.order_by("timezone").values_list("timezone", flat=True).distinct()
            self._timezones = list(rows)
        return self._timezones

    def per_timezone(self, target: Target, lo: int | None, hi: int | None) -> Q:
        """A day window relative to today, where today is today in each PERSON's timezone.

        Compiled as OR over the timezones present: (timezone IN zones AND value in the window as seen
        from those zones). Converting each row's value to its person's zone inside SQL is not
        portable (SQLite has no timezone database) and would defeat the value indexes; the zones in
        use are few, and zones that agree (same local date for DATE values, same UTC instants for
        DATETIME) share one branch, so the OR stays short and every branch is an indexed range.
        """
        groups: dict[Hashable, list[str]] = {}
        for name in self.timezones():
            tz = zone(name)
            today = self.now.astimezone(tz).date()
            window = target.window(
                today + dt.timedelta(days=lo) if lo is not None else None,
                today + dt.timedelta(days=hi) if hi is not None else None,
                tz,
                today,
            )
            groups.setdefault(window, []).append(name)
        # Event property targets filter Event rows, which reach the timezone through their person.
        field = getattr(target, "timezone_field", "timezone")
        branches = [
            Q(**{f"{field}__in": names}) & target.window_q(window) for window, names in groups.items()
        ]
        return _any(branches)

    def segment_q(self, segment_id: int) -> Q:
        if segment_id in self.stack:
            raise RulesInvalid(
                [RuleError(SEGMENT, f"Segment {segment_id} refers to itself through other segments.")]
            )
        rules = Segment.objects.filter(pk=segment_id).values_list("rules", flat=True).first()
        if rules is None:
            return NOBODY
        tree = parse_rules(rules, check_refs=False)
        child = CompileContext(
            now=self.now,
            stack=(*self.stack, segment_id),
            _timezones=self._timezones,
            event_up_to=self.event_up_to,
            person_id=self.person_id,
        )
        q = compile_node(tree, child)
        self._timezones = child._timezones
        return q


def _any(branches: list[Q]) -> Q:
    if not branches:
        return NOBODY
    q = branches[0]
    for branch in branches[1:]:
        q |= branch
    return q


def compile_node(node: Node, ctx: CompileContext) -> Q:
    if isinstance(node, Condition):
        return node.operator.compile(node.target, node.value, ctx)
    parts = [compile_node(child, ctx) for child in node.rules]
    if node.op == "or":
        return _any(parts)
    q = Q()  # AND of nothing: everyone
    for part in parts:
        q &= part
    return q


def compile_rules(
    doc: Any, *, now: dt.datetime, segment_id: int | None = None, person_id: int | None = None
) -> Q:
    """A `Q` over Person selecting who matches the rule document at the moment `now` (aware).

    `segment_id`: the segment the document belongs to, so a cycle through it is refused.
    `person_id`: the Q will only be asked of this one person (event conditions then read that person's
    events only, through their index, instead of grouping everyone's).
    Raises RulesInvalid when the document is invalid.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tree = parse_rules(doc, segment_id=segment_id, check_refs=False)
    stack = (segment_id,) if segment_id is not None else ()
    return compile_node(tree, CompileContext(now=now, stack=stack, person_id=person_id))
