"""Search normalisation (issue 9, point 9): plurals, common Indian spellings, any case."""

import pytest

from storefront.search import CANONICAL, VARIANTS, normalise, singular, suggest, terms


@pytest.mark.parametrize(
    ("typed", "catalogue_word"),
    [
        ("kurtas", "kurta"),
        ("kurti", "kurta"),
        ("Kurtis", "kurta"),
        ("KURTA", "kurta"),
        ("sari", "saree"),
        ("saris", "saree"),
        ("Sarees", "saree"),
        ("daal", "dal"),
        ("chappals", "chappal"),
        ("juttis", "jutti"),
        ("mojari", "jutti"),
        ("chunni", "dupatta"),
        ("tava", "tawa"),
        ("badam", "almond"),
    ],
)
def test_plurals_and_indian_spellings_become_the_catalogues_word(typed, catalogue_word):
    assert normalise(typed) == catalogue_word


@pytest.mark.parametrize(
    ("word", "one"),
    [
        ("shoes", "shoe"),
        ("dresses", "dress"),
        ("watches", "watch"),
        ("berries", "berry"),
        ("jeans", "jean"),
        ("glass", "glass"),
        ("bus", "bus"),
        ("dal", "dal"),
        ("chai", "chai"),
    ],
)
def test_singular(word, one):
    assert singular(word) == one


def test_a_term_looks_for_the_catalogues_word_and_what_was_typed():
    (kurti,) = terms("Kurtis")
    assert kurti.canonical == "kurta"
    assert set(kurti.forms) == {"kurta", "kurti", "kurtis"}  # a product named "Kurti" is found too


def test_several_words_each_become_a_term_and_punctuation_is_a_break():
    assert [t.canonical for t in terms("Silk SARIS, banarasi!")] == ["silk", "saree", "banarasi"]


def test_units_stuck_to_numbers_are_split_as_the_catalogue_writes_them():
    assert normalise("basmati 5kg") == "basmati 5 kg"


def test_a_query_is_at_most_six_words_and_blank_is_nothing():
    assert len(terms("a b c d e f g h")) == 6
    assert terms("  ") == () and normalise("") == ""


def test_every_variant_points_at_a_canonical_word_that_is_not_itself_a_variant():
    assert set(VARIANTS.values()) <= set(CANONICAL)
    assert not set(CANONICAL) & set(VARIANTS)


def test_suggestions_offer_close_catalogue_words_for_a_typo():
    vocabulary = ["Handloom Cotton Kurta", "Aged Basmati Rice, 5 kg", "Banarasi Silk Saree"]
    assert suggest("kurtta", vocabulary) == ("kurta",)
    assert suggest("basmatti rice", vocabulary) == ("basmati",)
    assert suggest("zzzz", vocabulary) == ()
