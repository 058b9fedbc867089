from reviewqa.chunk import chunk_document, pack_sentences, split_oversized, split_sentences, token_counter
from reviewqa.config import ChunkSettings

SETTINGS = ChunkSettings()


def test_sentences_do_not_break_on_abbreviations():
    text = "In 2001, Zuk et al. [38] noted this. It was the U. S. National Library of Medicine. Next one."
    assert split_sentences(text) == ["In 2001, Zuk et al. [38] noted this.", "It was the U. S. National Library of Medicine.", "Next one."]


def test_prose_chunks_fit_the_token_budget_and_stay_in_one_section(review):
    count = token_counter(SETTINGS.encoding)
    prose = [c for c in chunk_document(review, SETTINGS) if c.kind == "prose"]
    assert prose and all(count(c.text) <= SETTINGS.max_tokens for c in prose)
    by_section = {s.title: " ".join(p.text for p in s.paragraphs) for s in review.sections}
    for c in prose:
        if c.section in by_section:
            assert all(sentence in by_section[c.section] for sentence in c.sentences)


def test_windows_overlap_by_whole_sentences():
    sentences = [f"Sentence number {i} has some words in it." for i in range(12)]
    count = token_counter(SETTINGS.encoding)
    windows = pack_sentences(sentences, count, max_tokens=40, overlap_tokens=12)
    assert len(windows) > 2
    for first, second in zip(windows, windows[1:]):
        assert second[0] in first  # the next window starts with the end of the previous one
        assert sum(count(s) for s in first) <= 40


def test_every_table_row_and_reference_is_a_chunk(review):
    chunks = chunk_document(review, SETTINGS)
    assert sum(c.kind == "table_row" for c in chunks) == 94
    assert sum(c.kind == "reference" for c in chunks) == 151
    assert len({c.id for c in chunks}) == len(chunks)


def test_table_rows_are_self_describing(review):
    rows = {c.id.split(":")[-1]: c for c in chunk_document(review, SETTINGS) if c.kind == "table_row"}
    hamster = rows["t3r01"]
    assert hamster.text.startswith("Table 3 (Azoospermia treated with mesenchymal stromal/stem cells in in vivo model studies)")
    for words in ("Source: Adipose tissue", "Donor species: Hamster", "Modeling: Busulfan", "Row: Adipose tissue Allotransplant Hamster"):
        assert words in hamster.text
    assert hamster.refs == (121,) and hamster.section == "Table 3 — in vivo models"
    assert "Phase: no data" in rows["t4r04"].text


def test_reference_chunks_carry_their_number(review):
    ref = next(c for c in chunk_document(review, SETTINGS) if c.kind == "reference" and c.ref == 26)
    assert ref.text.startswith("[26] Scadden DT.") and ref.refs == (26,)


def test_oversized_chunks_are_split_not_truncated(review):
    chunks = chunk_document(review, SETTINGS)
    words = lambda text: len(text.split())  # a stand-in tokenizer with a tiny limit
    fitted, warnings = split_oversized(chunks, words, 40)
    assert warnings
    long_prose = [c for c in chunks if c.kind == "prose" and words(c.text) > 40]
    parts = [c for c in fitted if c.id.startswith(long_prose[0].id + ".")]
    assert len(parts) >= 2
    assert " ".join(p.text for p in parts) == long_prose[0].text


def test_chunks_fit_the_embedder(review, embedder):
    chunks = chunk_document(review, SETTINGS)
    fitted, warnings = split_oversized(chunks, embedder.count_tokens, embedder.max_seq_length)
    assert all(embedder.count_tokens(c.text) <= embedder.max_seq_length for c in fitted), warnings
