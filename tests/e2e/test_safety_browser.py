"""The safety check's outcomes as an employee sees them in a real browser: the red crisis block
first for risk to the writer, a calm "how to help" box for someone else, the EAP line for
distress, and nothing for a plain conditional. Screenshots go to test-artifacts/e2e/."""
from __future__ import annotations

from tests.e2e.test_browser import ask, browser, open_app, pytestmark, server, shot  # noqa: F401 (fixtures)


def alert_kinds(answer) -> list[str]:
    """The kinds of Streamlit alert boxes in an answer, in order: "error", "info"… (from the test id
    of the box's content, stAlertContentError and the like)."""
    boxes = answer.locator("[data-testid^='stAlertContent']")
    return [(boxes.nth(i).get_attribute("data-testid") or "").removeprefix("stAlertContent").lower()
            for i in range(boxes.count())]


def test_four_outcomes_look_as_they_should(browser, server):  # noqa: F811 (fixtures imported above)
    with open_app(browser, server["url"]) as page:
        plain = ask(page, "If I am on STD, do I still get paid?")
        assert "988" not in plain.inner_text() and "Worried that someone" not in plain.inner_text()

        crisis = ask(page, "i want to kill myself. also how long is the std waiting period", answers_before=1)
        text = crisis.inner_text()
        assert alert_kinds(crisis)[0] == "error" and text.index("988") < text.index("[1]")
        shot(page, "safety-1-crisis-first")

        concern = ask(page, "my coworker told me she wants to kill herself, what should i do? can she get short term disability?",
                      answers_before=2)
        text = concern.inner_text()
        assert "Worried that someone" in text and "988" in text
        assert alert_kinds(concern)[0] == "info"  # help for someone else, not an alarm about the writer
        shot(page, "safety-2-concern")

        distress = ask(page, "I'm scared and can't sleep. How long is the waiting period for short-term disability?",
                       answers_before=3)
        text = distress.inner_text()
        assert "Employee Assistance Program" in text and "Suicide & Crisis Lifeline" not in text
        assert "error" not in alert_kinds(distress)
        shot(page, "safety-3-distress")
