"""Follow-ups are condensed with the question they follow; new questions stand alone."""
import pytest

from rag.conversation import condense, is_follow_up

PREVIOUS = "How long does short-term disability last?"


@pytest.mark.parametrize("message", ["and for part-time staff?", "What about a cousin?", "is that paid?",
                                     "how long do I have to do that?", "is there a maximum?", "and if I'm over 40"])
def test_follow_ups_carry_the_previous_question(message):
    assert is_follow_up(message)
    assert condense(message, [PREVIOUS]) == f"{PREVIOUS} {message}"


@pytest.mark.parametrize("message", ["When does my COBRA election window close?",
                                     "How many weeks of FMLA leave can I take?",
                                     "Can I appeal my performance improvement plan to the HR Review Panel?"])
def test_new_questions_stand_alone(message):
    assert not is_follow_up(message)
    assert condense(message, [PREVIOUS]) == message


def test_first_message_is_never_condensed():
    assert condense("and for part-time staff?", []) == "and for part-time staff?"


def test_follow_up_retrieves_with_context(assistant):
    first = assistant.ask(PREVIOUS)
    answer = assistant.ask("and for part-time staff?", [first.searched_for])
    assert answer.searched_for.startswith(PREVIOUS)
    assert "13 weeks" in answer.text


def test_a_long_chain_of_follow_ups_stays_within_the_limit():
    """Issue #20, point 9: 25 follow-ups made a 46,000-character search."""
    from core.config import MAX_SEARCHED_CHARS

    history = ["How long is the waiting period for short-term disability?"]
    for turn in range(40):
        history.append(condense(f"and what about part-time staff in office number {turn}?", history))
    last = history[-1]
    assert len(last) <= MAX_SEARCHED_CHARS
    assert last.startswith("How long is the waiting period")  # the topic is kept
    assert last.endswith("office number 39?")  # and the newest message
