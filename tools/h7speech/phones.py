"""The decoder's phone set, parsed from firmware/speech/decoder/phones.def (the C side
includes the same file), and its hash (the same FNV-1a as h7dec_phoneset_hash)."""
import os
import re

from h7voice import paths

DEF_FILE = os.path.join(paths.FIRMWARE, 'speech', 'decoder', 'phones.def')


def _parse():
    text = open(DEF_FILE).read()
    body = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    name = re.search(r'^H7_PHONESET\("([^"]+)"\)', body, re.M).group(1)
    phones = re.findall(r'^H7_PHONE\((\w+),\s*"([^"]+)"\)', body, re.M)
    return name, [p[1] for p in phones]


NAME, PHONES = _parse()
INDEX = {p: i for i, p in enumerate(PHONES)}
BLANK = 0
SIL = INDEX['SIL']
COUNT = len(PHONES)
ARPABET = PHONES[2:]  # the 39 phones of the CMU dictionary


def _fnv(h, s):
    for b in s.encode() + b'\n':
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def phoneset_hash(name=NAME, phones=PHONES):
    h = _fnv(2166136261, name)
    for p in phones:
        h = _fnv(h, p)
    return h


HASH = phoneset_hash()
