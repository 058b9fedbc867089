"""The tokenizer shared by the build and the question path."""

from reviewqa import lexical


def test_british_spellings_are_the_reviews_american_words():
    assert lexical.tokenize("tumours") == lexical.tokenize("tumors")
    assert lexical.tokenize("haematopoietic foetal") == lexical.tokenize("hematopoietic fetal")
    assert lexical.tokenize("characterised") == lexical.tokenize("characterized")
    assert lexical.tokenize("four hours") == ["four", "hour"]  # short words are left alone


def test_hyphenated_terms_count_as_themselves_and_their_parts():
    assert lexical.tokenize("BM-MSCs") == ["bm-msc", "bm", "msc"]
