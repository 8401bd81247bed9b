"""The grammar IR: what h7context hands to the graph compiler (plain data, JSON as is).

    {"format": "h7context-grammar", "version": 1, "source": "lights.yml",
     "intents": [{"name": "changeColor", "line": 4,
                  "expressions": [{"line": 5, "text": "[turn, make] the lights $color:color",
                                   "sequence": [ELEMENT, ...]}]}],
     "slots": {"color": {"line": 30, "builtin": false,
                         "values": [{"words": ["dark", "blue"], "value": "dark blue"}]}},
     "unused": {"slots": [...], "macros": [...]}}

    ELEMENT: {"type": "word", "word": "turn"}                    one spoken word (normalised)
             {"type": "choice", "options": [[ELEMENT...], ...]}   exactly one option
             {"type": "optional", "options": [[ELEMENT...], ...]} nothing or one option
             {"type": "slot", "slot_type": "color", "name": "color"}  one value of the type,
                                                                  captured under `name`
    A choice made from a macro carries "macro": its name (information only). Options never
    hold choices or optionals of their own except those made from macros (Rhino does not
    nest brackets). Words are lower case a-z and apostrophes. A slot value's "value" is the
    canonical value reported for it: the text as written in the YAML (whitespace collapsed),
    or for Rhino's built-in number slots the digits ("21", "3rd", "50%").
"""

IR_FORMAT = 'h7context-grammar'
IR_VERSION = 1
ELEMENT_TYPES = ('word', 'choice', 'optional', 'slot')


class IRError(ValueError):
    """An IR that this version of the tools cannot take (wrong format/version, malformed)."""


def check(ir):
    """Raises IRError unless ir is a grammar IR of this version (what a consumer such as the
    graph compiler may assume: every slot referenced is defined, no empty lists)."""
    if not isinstance(ir, dict) or ir.get('format') != IR_FORMAT:
        raise IRError(f"not an h7context grammar (format must be '{IR_FORMAT}')")
    if ir.get('version') != IR_VERSION:
        raise IRError(f"grammar version {ir.get('version')!r}; these tools read version {IR_VERSION}")
    slots = ir.get('slots')
    if not isinstance(slots, dict):
        raise IRError("'slots' must be a mapping")
    for kind, slot in slots.items():
        values = slot.get('values') if isinstance(slot, dict) else None
        if not values:
            raise IRError(f"slot type '{kind}' has no values")
        for v in values:
            if not (isinstance(v, dict) and _words_ok(v.get('words')) and isinstance(v.get('value'), str)):
                raise IRError(f"slot type '{kind}': a value is not {{'words': [...], 'value': str}}")
    intents = ir.get('intents')
    if not isinstance(intents, list) or not intents:
        raise IRError("'intents' must be a non-empty list")
    names = set()
    for intent in intents:
        name = intent.get('name') if isinstance(intent, dict) else None
        if not isinstance(name, str) or name in names:
            raise IRError(f'intent name missing or repeated: {name!r}')
        names.add(name)
        if not intent.get('expressions'):
            raise IRError(f"intent '{name}' has no expressions")
        for e in intent['expressions']:
            _check_sequence(e.get('sequence'), slots, f"intent '{name}'")


def _words_ok(words):
    return isinstance(words, list) and words and all(isinstance(w, str) and w for w in words)


def _check_sequence(seq, slots, where):
    if not isinstance(seq, list) or not seq:
        raise IRError(f'{where}: an empty sequence')
    for el in seq:
        t = el.get('type') if isinstance(el, dict) else None
        if t == 'word':
            if not isinstance(el.get('word'), str) or not el['word']:
                raise IRError(f'{where}: a word element without a word')
        elif t in ('choice', 'optional'):
            if not el.get('options'):
                raise IRError(f'{where}: a {t} without options')
            for o in el['options']:
                _check_sequence(o, slots, where)
        elif t == 'slot':
            if el.get('slot_type') not in slots or not el.get('name'):
                raise IRError(f"{where}: slot element refers to undefined type {el.get('slot_type')!r}")
        else:
            raise IRError(f'{where}: unknown element type {t!r}')


def vocabulary(ir):
    """Every distinct word the grammar can say, sorted (what G2P must pronounce)."""
    words = set()

    def walk(seq):
        for el in seq:
            if el['type'] == 'word':
                words.add(el['word'])
            elif el['type'] in ('choice', 'optional'):
                for o in el['options']:
                    walk(o)

    for intent in ir['intents']:
        for e in intent['expressions']:
            walk(e['sequence'])
    for slot in ir['slots'].values():
        for v in slot['values']:
            words.update(v['words'])
    return sorted(words)
