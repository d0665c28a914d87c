"""Splitting a message into its separate questions (pure), and answers that cover each part."""
import numpy as np

from rag.parts import question_parts


def test_one_question_is_not_split():
    assert question_parts("How long is the STD waiting period?") == []
    assert question_parts("I'm on a PIP and my baby is due next month. What happens to my plan?") == []
    assert question_parts("Can I take PTO and FMLA at the same time?") == []  # "and" joins nouns, not questions


def test_joined_questions_share_the_statements_and_the_condition():
    assert question_parts("My father just died. How many paid bereavement days do I get, and can I get free grief counseling?") == [
        "My father just died. How many paid bereavement days do I get?",
        "My father just died. can I get free grief counseling?"]
    assert question_parts("If I take the Transition Option, how long do I have to choose and when is severance paid?") == [
        "If I take the Transition Option, how long do I have to choose?",
        "If I take the Transition Option, when is severance paid?"]


def test_two_question_sentences_are_two_parts_and_short_scraps_are_not():
    assert question_parts("How long is COBRA? Who pays?") == []  # "Who pays?" is too short to search alone
    assert question_parts("How long does COBRA last? How much does COBRA cost each month?") == [
        "How long does COBRA last?", "How much does COBRA cost each month?"]


def test_each_part_of_the_question_gets_its_answer(assistant):
    answer = assistant.ask("My father just died. How many paid bereavement days do I get, and can I get free grief counseling?")
    assert "5 paid days" in answer.text and "grief counseling" in answer.text
    whole_only = assistant.ask("My father just died. How many paid bereavement days do I get?")
    assert "grief counseling" not in whole_only.text  # the second part is what brought it in


def test_a_follow_up_is_not_split_with_the_question_before_it(assistant):
    first = assistant.ask("How many weeks of FMLA leave can I take?")
    follow = assistant.ask("and is it paid?", history=[first.searched_for])
    assert follow.searched_for.startswith("How many weeks of FMLA")
    assert not follow.abstained


def test_sentence_vectors_are_reused_and_equal_to_fresh_ones(assistant):
    texts = ["The waiting period is 7 consecutive calendar days.", "COBRA lasts up to 18 months."]
    first = assistant.sentence_vectors(texts)
    calls = []
    original = assistant.embedder.embed
    assistant.embedder.embed = lambda batch: calls.append(batch) or original(batch)
    try:
        again = assistant.sentence_vectors(texts[::-1] + texts)
    finally:
        assistant.embedder.embed = original
    assert calls == []  # nothing embedded twice
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])
    assert np.allclose(first, original(texts), atol=1e-6)


def test_a_message_of_many_questions_is_searched_in_a_few_parts():
    """Issue #20, point 9: 105 questions in one message made 105 searches."""
    from core.config import MAX_QUESTION_PARTS

    message = " ".join(f"How many days of leave do employees get in year {n}?" for n in range(105))
    parts = question_parts(message)
    assert 2 <= len(parts) <= MAX_QUESTION_PARTS
    assert parts[0].endswith("in year 0?")  # the first ones, in order
