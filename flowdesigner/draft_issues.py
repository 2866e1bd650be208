"""The issues of a flow's draft, stored with the revision they belong to, so reading a flow validates nothing.

validate() (engine/core) depends on the document alone: it runs when a draft is saved and its issues are
stored on the row with the revision and the fingerprint of the rules that found them (Flow.draft_issues).
The checks that need the database (engine.checks.database_issues: tags, attributes, events, other flows,
settings) can change without the draft changing, so they run on every read; they cost a few queries.
"""

from __future__ import annotations

from django.db import DatabaseError, transaction

from engine.checks import core_rules_version, database_issues
from engine.core.issues import Issue
from engine.core.validate import validate
from flowdesigner.models import Flow


def core_record(issues: list[Issue], *, revision: int) -> dict:
    """What Flow.draft_issues holds for the draft at `revision` whose core issues are `issues`."""
    return {"revision": revision, "rules": core_rules_version(), "issues": [i.as_dict() for i in issues]}


def stored_core_issues(flow: Flow) -> list[Issue] | None:
    """The core issues stored with the flow's current draft revision, or None when there are none (a flow
    saved before they were stored) or they were found for another revision or by other rules."""
    record = flow.draft_issues
    if (
        not isinstance(record, dict)
        or record.get("revision") != flow.draft_revision
        or record.get("rules") != core_rules_version()
    ):
        return None
    return [Issue(**issue) for issue in record["issues"]]


def draft_issues(flow: Flow) -> list[Issue]:
    """Every issue of the flow's draft, the same as engine.checks.definition_issues(flow.draft_definition):
    the stored core issues (computed and stored now when missing or out of date) plus the database checks."""
    core = stored_core_issues(flow)
    if core is None:
        core = validate(flow.draft_definition)
        flow.draft_issues = core_record(core, revision=flow.draft_revision)
        try:
            with transaction.atomic():
                # Only for the revision validated: a save in between has stored its own.
                Flow.objects.filter(pk=flow.pk, draft_revision=flow.draft_revision).update(
                    draft_issues=flow.draft_issues
                )
        except DatabaseError:
            pass  # a busy database: the issues are still right, the next read stores them
    return core + database_issues(flow.draft_definition, core)
