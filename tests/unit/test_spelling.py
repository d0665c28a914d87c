"""Typo repair against the documents' words: pure logic on typed data."""
from core.spelling import Speller, word_counts

DOCUMENT_WORDS = word_counts([
    "A Performance Improvement Plan lasts 60 days. Severance pay depends on years of service.",
    "Outplacement services are offered for three months. Improvement is reviewed at check-ins.",
    "Severance is paid in a lump sum; severance requires a signed release.",
])
SPELLER = Speller(DOCUMENT_WORDS, known=frozenset({"chemo", "teenage", "landlord", "mom"}))


def test_misspelt_document_words_are_repaired():
    assert SPELLER.correct("How many goals can a performance improvment plan have?") == \
        "How many goals can a performance improvement plan have?"
    assert SPELLER.correct("My severence claim was denied") == "My severance claim was denied"
    assert SPELLER.correct("Can I take the outplacment benefit as cash?") == "Can I take the outplacement benefit as cash?"


def test_case_is_kept():
    assert SPELLER.correct("SEVERENCE?") == "SEVERANCE?"
    assert SPELLER.correct("Severence pay") == "Severance pay"


def test_real_words_and_short_words_stay_as_typed():
    # Known to the model though not to the documents; short words have too many neighbours.
    assert SPELLER.correct("time off while my mom gets chemo, or a teenage landlord") == \
        "time off while my mom gets chemo, or a teenage landlord"
    assert SPELLER.correct("is ther a limit on pya") == "is ther a limit on pya"


def test_hyphens_split_words_and_real_words_are_real_by_the_dictionary():
    from core.spelling import english_words

    speller = Speller(DOCUMENT_WORDS, english_words())
    # "lactation" is two edits from nothing here but would be from "location" in other documents:
    # a dictionary word is never repaired; "C-section" is "C" and "section".
    assert speller.correct("Recovery after a C-section; lactation breaks; piling up") == \
        "Recovery after a C-section; lactation breaks; piling up"
    assert speller.correct("severence for part-timers") == "severance for part-timers"


def test_only_close_words_count():
    # Two edits from a document word: too far for a word under nine letters.
    assert SPELLER.correct("servants") == "servants"
    assert SPELLER.correct("sevarance") == "severance"  # one edit
    # Nine letters and more may be two edits away.
    assert SPELLER.correct("outplacemnet") == "outplacement"


def test_ties_go_to_the_more_frequent_word_then_the_first():
    speller = Speller({"release": 5, "relapse": 1, "records": 2, "recorde": 2})
    assert speller.correct("relase") == "release"  # one edit from release and from relapse
    assert speller.correct("recordz") == "recorde"


def test_no_documents_no_repair():
    assert Speller({}).correct("improvment") == "improvment"
