"""axe-core, from the npm registry, run inside a test's page.

The script is injected by the test (it is a test tool: the app never serves it). Results are
turned into one readable line per offending element, so a failure says what to fix and where.
"""

from __future__ import annotations

from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
# Every rule axe ships for WCAG 2.0/2.1 A and AA, plus its best practices (landmarks, headings,
# duplicate ids...); experimental rules stay off because their results are not settled.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_results(page) -> dict:
    """axe-core's raw results for the whole document as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        assert AXE.exists(), f"{AXE} is missing: run `make install` (npm ci)"
        # Not page.add_script_tag: that adds an inline script, which our CSP rightly blocks
        # (and bypass_csp would also let inline styles through, so axe would see another page).
        # Evaluated through the DevTools protocol, the script is not subject to the CSP.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options)", options)


def serious_violations(page) -> list[str]:
    """One line per element that breaks a serious or critical rule: rule, impact, where, why."""
    lines = []
    for violation in axe_results(page)["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = " >> ".join(" ".join(part) if isinstance(part, list) else part
                                 for part in node["target"])  # fmt: skip
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(
                f"{violation['id']} [{node.get('impact') or violation['impact']}] {target}: "
                f"{violation['help']} ({violation['helpUrl']}) — {summary}"
            )
    return lines
