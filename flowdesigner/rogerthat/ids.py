"""Rogerthat ids and the ids of our flow format.

Rogerthat's designer writes ids such as "base64:eyJsYW5nIjogIm5sIiwgLi4ufQ==": base64 of a JSON object
that names the language, 199 to 230+ characters long, and some ids contain spaces. Our node ids, exit names
and button ids are identifiers of at most 200 characters from a small alphabet (engine/core/flow.schema.json,
engine/core/elements/message.py). An id that is a short identifier is used as it is; any other gets a safe
internal id made from the element's kind and position ("message_2", "button_1"). The original ids of every
language are kept in the document's `ui.rogerthat` section (see `Originals`), so export writes them back.
"""

import re
from collections import Counter

# The original ids live in the flow document, which the engine reads too (results report them).
from engine.core.originals import UI_KEY, LanguageIds, Originals  # noqa: F401 (re-exported)

# Shorter than the format's 200: an id kept as is must leave room to read it on the canvas and in results.
MAX_KEPT_ID = 80
SAFE_ID = re.compile(rf"[A-Za-z0-9_.:=+/-]{{1,{MAX_KEPT_ID}}}")
# Exit names with a meaning of their own on a message; a Rogerthat answer id may not take them.
RESERVED_EXITS = frozenset({"dismiss", "other", "no_answer", "positive", "negative", "next"})


def is_safe(original: str) -> bool:
    """Whether a Rogerthat id can be used as our id unchanged."""
    return bool(SAFE_ID.fullmatch(original))


def internal_ids(items: list[tuple[str, str]], reserved: frozenset[str] = frozenset()) -> list[str]:
    """One internal id per (original id, kind prefix), in order: the original when it is safe and not
    reserved, else `<prefix>_<n>` (the n-th of that prefix), made unique against every id kept as is."""
    kept = {original for original, _ in items if is_safe(original) and original not in reserved}
    taken = kept | set(reserved)
    counts: Counter[str] = Counter()
    out = []
    for original, prefix in items:
        counts[prefix] += 1
        if original in kept:
            out.append(original)
            continue
        chosen, again = f"{prefix}_{counts[prefix]}", 1
        while chosen in taken:
            again += 1
            chosen = f"{prefix}_{counts[prefix]}_{again}"
        taken.add(chosen)
        out.append(chosen)
    return out


def shown(original: str) -> str:
    """An id short enough for a message: a 230-character id would push the reason out of sight."""
    return original if len(original) <= 48 else f"{original[:32]}…{original[-8:]}"
