"""The documented normalisation of written tokens into spoken words (README)."""
import pytest

from h7context import normalize
from h7context.normalize import NormalizeError


@pytest.mark.parametrize('token, spoken', [
    ('2', 'two'), ('0', 'zero'), ('13', 'thirteen'), ('21', 'twenty one'), ('40', 'forty'),
    ('99', 'ninety nine'), ('100', 'one hundred'), ('105', 'one hundred five'),
    ('2500', 'two thousand five hundred'), ('1000000', 'one million'),
    ('1990', 'one thousand nine hundred ninety'),
    ('07', 'zero seven'), ('2.5', 'two point five'), ('0.75', 'zero point seven five'),
    ('1st', 'first'), ('2nd', 'second'), ('3rd', 'third'), ('4th', 'fourth'), ('5th', 'fifth'),
    ('8th', 'eighth'), ('9th', 'ninth'), ('11th', 'eleventh'), ('12th', 'twelfth'),
    ('13th', 'thirteenth'), ('20th', 'twentieth'), ('21st', 'twenty first'),
    ('22nd', 'twenty second'), ('100th', 'one hundredth'), ('112th', 'one hundred twelfth'),
    ("o'clock", "o'clock"), ("Don't", "don't"), ('it\u2019s', "it's"),
    ('50%', 'fifty percent'), ('%', 'percent'), ('21°', 'twenty one degrees'),
    ('twenty-one', 'twenty one'), ('wi-fi', 'wi fi'), ('Kitchen', 'kitchen'),
    ('café', 'cafe'), ('naïve', 'naive'), ('TV', 'tv'),
])
def test_words(token, spoken):
    assert normalize.words(token) == spoken.split()


@pytest.mark.parametrize('token, says', [
    ('2th', '2nd'), ('1nd', '1st'), ('11st', '11th'), ('0th', 'from 1'),
    ('mp3', 'letters and digits'), ('2cups', 'letters and digits'),
    ('what?', "'?'"), ('a&b', "'&'"), ('now!', "'!'"), ('a/b', "'/'"), ('e.g.', "'.'"),
    ('1,000', "','"), ('-5', 'hyphen'), ('on-', 'hyphen'), ("''", 'apostrophe'),
    ("a''b", 'two apostrophes'), ('1000000000', 'out of range'), ('ω', 'outside a-z'),
])
def test_refused(token, says):
    with pytest.raises(NormalizeError) as err:
        normalize.words(token)
    assert says in str(err.value)
    assert token in str(err.value) or token.lstrip('0') in str(err.value)


def test_cardinals_are_unique_and_ordinals_follow():
    said = {' '.join(normalize.cardinal(n)) for n in range(0, 1001)}
    assert len(said) == 1001
    for n in range(1, 200):
        words = normalize.ordinal(n)
        assert words[:-1] == normalize.cardinal(n)[:-1]
        assert normalize.words(f'{n}{normalize.ordinal_suffix(n)}') == words


def test_phrase():
    assert normalize.phrase("set 2 cups at 5 o'clock") == ['set', 'two', 'cups', 'at', 'five', "o'clock"]
