"""Written tokens -> spoken words, the one documented normalisation of h7context.

A context is written as text, but the decoder needs words it can pronounce (G2P). The rules
(README "Words, numbers and punctuation"):

  - case folds: "Turn" -> "turn"; accents fold: "café" -> "cafe"; ’ -> '
  - letters with apostrophes stay one word: "o'clock", "don't" (G2P reads them whole)
  - hyphens split: "twenty-one" -> "twenty one", "wi-fi" -> "wi fi"
  - cardinals: "2" -> "two", "21" -> "twenty one", "105" -> "one hundred five",
    "2500" -> "two thousand five hundred" (0 .. 999,999,999; no "and", no "nineteen ninety")
  - a leading zero reads digit by digit: "07" -> "zero seven"
  - decimals: "2.5" -> "two point five" (digits after the point one by one)
  - ordinals: "2nd" -> "second", "21st" -> "twenty first" (the suffix must be right: "2th"
    is refused)
  - "%" -> "percent" ("50%" -> "fifty percent"), "°" -> "degrees" ("21°" -> "twenty one
    degrees")
  - anything else (letters mixed with digits, "?", "!", "&", "/", ".", ...) is refused with
    a message saying how to write it.
"""
import re
import unicodedata

ONES = ('zero one two three four five six seven eight nine ten eleven twelve thirteen '
        'fourteen fifteen sixteen seventeen eighteen nineteen').split()
TENS = ('', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety')
SCALES = ((1_000_000, 'million'), (1000, 'thousand'), (100, 'hundred'))
MAX_NUMBER = 999_999_999
_ORDINAL_IRREGULAR = {'one': 'first', 'two': 'second', 'three': 'third', 'five': 'fifth',
                      'eight': 'eighth', 'nine': 'ninth', 'twelve': 'twelfth'}
_SYMBOLS = {'%': 'percent', '°': 'degrees'}

_WORD = re.compile(r"[a-z']+")
_NUMBER = re.compile(r'(\d+)(?:\.(\d+)|(st|nd|rd|th))?([%°]?)')


class NormalizeError(ValueError):
    """A token that has no documented spoken form; the message says how to write it."""


def cardinal(n):
    """0 <= n <= MAX_NUMBER as a list of words: 21 -> ['twenty', 'one']."""
    if not 0 <= n <= MAX_NUMBER:
        raise NormalizeError(f'{n} is out of range (0 .. {MAX_NUMBER:,}); write it as words')
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + ([ONES[n % 10]] if n % 10 else [])
    for value, name in SCALES:
        if n >= value:
            head, rest = divmod(n, value)
            return cardinal(head) + [name] + (cardinal(rest) if rest else [])
    raise AssertionError(n)


def ordinal(n):
    """n >= 1 as ordinal words: 21 -> ['twenty', 'first']."""
    words = cardinal(n)
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        last = _ORDINAL_IRREGULAR[last]
    elif last.endswith('y'):
        last = last[:-1] + 'ieth'
    else:
        last += 'th'
    return words[:-1] + [last]


def ordinal_suffix(n):
    """The written suffix of n: 1 -> 'st', 11 -> 'th', 22 -> 'nd'."""
    if n % 100 in (11, 12, 13):
        return 'th'
    return {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')


def _fold(text):
    """Case, accents and typographic apostrophes folded (the letters stay)."""
    text = text.replace('\u2019', "'").replace('\u2018', "'")
    decomposed = unicodedata.normalize('NFKD', text)
    # NFKD splits "é" into "e" + a combining accent; the degree sign has no decomposition.
    return ''.join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _number_words(token, part):
    m = _NUMBER.fullmatch(part)
    if not m:
        return None
    digits, decimals, suffix, symbol = m.groups()
    if suffix:
        n = int(digits)
        if n == 0 or ordinal_suffix(n) != suffix:
            right = f'{n}{ordinal_suffix(n)}' if n else 'a number from 1'
            raise NormalizeError(f"'{token}' is not an ordinal (write {right})")
        words = ordinal(n)
    elif len(digits) > 1 and digits[0] == '0':
        words = [ONES[int(d)] for d in digits]
    else:
        words = cardinal(int(digits))
    if decimals is not None:
        words = words + ['point'] + [ONES[int(d)] for d in decimals]
    if symbol:
        words = words + [_SYMBOLS[symbol]]
    return words


def words(token):
    """One whitespace-free written token -> its spoken words (a list, at least one).
    NormalizeError with a one-line reason for anything without a documented reading."""
    folded = _fold(token)
    out = []
    parts = folded.split('-')
    if len(parts) > 1 and any(not p for p in parts):
        raise NormalizeError(f"'{token}': a hyphen must join two words (write '{token.strip('-')}' "
                             f"or the words apart)")
    for part in parts:
        if part in _SYMBOLS:
            out.append(_SYMBOLS[part])
            continue
        if _WORD.fullmatch(part):
            if not re.search('[a-z]', part):
                raise NormalizeError(f"'{token}': an apostrophe alone is not a word")
            if "''" in part:
                raise NormalizeError(f"'{token}': two apostrophes in a row")
            out.append(part)
            continue
        if part[:1].isdigit():
            number = _number_words(token, part)
            if number is not None:
                out.extend(number)
                continue
        raise NormalizeError(_refusal(token, part))
    return out


def _refusal(token, part):
    if re.search('[a-z]', part) and re.search('[0-9]', part):
        return (f"'{token}' mixes letters and digits; write it as it is said "
                f"(e.g. 'mp3' -> 'm p three', '2cups' -> '2 cups')")
    bad = sorted({c for c in part if not (c.isalnum() or c in "'")})
    if any(c.isalpha() and not c.isascii() for c in part):
        bad = bad or sorted({c for c in part if c.isalpha() and not c.isascii()})
        return f"'{token}': letters outside a-z ({' '.join(bad)}) have no spoken form here"
    shown = ' '.join(repr(c) for c in bad) if bad else repr(part)
    return (f"'{token}': punctuation {shown} is not part of a spoken word "
            f"(allowed: letters, apostrophes, hyphens, digits, % and °)")


def phrase(text):
    """A whitespace-separated written phrase -> words."""
    out = []
    for token in text.split():
        out.extend(words(token))
    return out
