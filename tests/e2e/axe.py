"""axe-core in a Playwright page: inject the npm package's axe.min.js, run the WCAG 2.0/2.1 A and AA
rules, and return the serious and critical violations as readable text for an assertion message."""

from pathlib import Path

from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# How many failing elements to list per rule: enough to find them, short enough to read.
TARGETS_SHOWN = 8


def axe_violations(page: Page, *, include: str | None = None, exclude: tuple[str, ...] = ()) -> list[dict]:
    """The serious and critical WCAG A/AA violations axe-core finds on `page` as it is now.

    `include` limits the check to one selector's subtree; `exclude` skips selectors (each a CSS
    selector string). Each violation is axe's own dict (id, impact, help, helpUrl, nodes).
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    context = {"include": [[include]] if include else [["html"]], "exclude": [[sel] for sel in exclude]}
    results = page.evaluate(
        """([context, tags]) => window.axe.run(context, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        [context, WCAG_TAGS],
    )
    return [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def format_violations(violations: list[dict], *, where: str = "") -> str:
    """One paragraph per rule: id, impact, help text, and the selectors (with axe's own summary of what
    is wrong for the first element, e.g. the contrast ratio and colours)."""
    if not violations:
        return f"no serious or critical axe violations{f' on {where}' if where else ''}"
    lines = [f"{len(violations)} serious/critical axe violation(s){f' on {where}' if where else ''}:"]
    for violation in violations:
        nodes = violation["nodes"]
        impact, rule, help_text = violation["impact"], violation["id"], violation["help"]
        lines.append(f"- [{impact}] {rule}: {help_text} ({violation['helpUrl']})")
        lines.extend(f"    {_selector(node['target'])}" for node in nodes[:TARGETS_SHOWN])
        if len(nodes) > TARGETS_SHOWN:
            lines.append(f"    … and {len(nodes) - TARGETS_SHOWN} more")
        summary = (nodes[0].get("failureSummary") or "").replace("\n", " ").strip() if nodes else ""
        if summary:
            lines.append(f"    first: {summary}")
    return "\n".join(lines)


def _selector(target: list) -> str:
    """axe's target: one selector per frame or shadow root, each a string or a list of strings."""
    return " >> ".join(" ".join(part) if isinstance(part, list) else part for part in target)


def assert_no_axe_violations(page: Page, where: str, **options) -> None:
    """Fail with the readable list when axe finds serious or critical violations on `page`."""
    violations = axe_violations(page, **options)
    assert not violations, format_violations(violations, where=where)
