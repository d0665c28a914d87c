"""Chunks fit the model's 256 word pieces with their prefix, stay on one page and one section."""
from ingest.chunk import chunk_document
from ingest.types import ParsedDocument, Section

LONG_SECTION = " ".join(f"Sentence {i} explains a rule about disability benefits and the claims process." for i in range(60))
RUN_ON = "word " * 700  # a 'sentence' far longer than the budget


def doc(*sections):
    return ParsedDocument(source="plan.pdf", title="Short-Term Disability Plan", sections=sections, kind="pdf")


def test_every_chunk_fits_with_its_prefix(token_counter):
    parsed = doc(Section("2. Eligibility", LONG_SECTION, page=1), Section("3. Long", RUN_ON, page=2),
                 Section("A very long heading " * 30, "Short text here.", page=3))
    chunks = chunk_document(parsed, "abc123", token_counter, max_tokens=256, target_tokens=160)
    assert len(chunks) > 5
    for c in chunks:
        assert token_counter.count(c.embedding_text()) + 2 <= 256, c.id


def test_no_chunk_spans_two_pages_or_sections(token_counter):
    parsed = doc(Section("1. A", "First page text. More of it.", page=1),
                 Section("1. A", "Continued on page two.", page=2),
                 Section("2. B", "Another section.", page=2))
    chunks = chunk_document(parsed, "abc123", token_counter)
    assert [(c.page, c.section) for c in chunks] == [(1, "1. A"), (2, "1. A"), (2, "2. B")]


def test_whole_sentences_in_order_and_nothing_lost(token_counter):
    parsed = doc(Section("2. Eligibility", LONG_SECTION, page=1))
    chunks = chunk_document(parsed, "abc123", token_counter, target_tokens=100)
    sentences = [s for c in chunks for s in c.sentences]
    assert " ".join(sentences) == LONG_SECTION
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunk_ids_are_content_addressed(token_counter):
    parsed = doc(Section("1", "Some text.", page=1))
    assert chunk_document(parsed, "hash-one", token_counter)[0].id != chunk_document(parsed, "hash-two", token_counter)[0].id
    assert chunk_document(parsed, "hash-one", token_counter)[0].id == chunk_document(parsed, "hash-one", token_counter)[0].id
