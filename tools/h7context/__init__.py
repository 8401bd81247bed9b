"""h7context: voice-command contexts written as text, in Picovoice Rhino's YAML format.

    from h7context import load, phrases, stats
    ir = load('tools/h7context/examples/lights.yml')   # grammar IR (ir.py), or ContextError
    for p in phrases(ir, limit=10): print(p)            # {'intent', 'words', 'slots'}

README.md lists the supported subset, the normalisation of numbers and punctuation, and the
errors. `python -m h7context check|expand|compile CONTEXT.yml` is the command line.
"""
from .expand import ambiguities, phrases, sample, stats
from .ir import IR_FORMAT, IR_VERSION, IRError, check, vocabulary
from .normalize import NormalizeError
from .parser import BUILTIN_SLOTS, ContextError, load, parse

__all__ = ['load', 'parse', 'phrases', 'sample', 'stats', 'ambiguities', 'vocabulary', 'check',
           'ContextError', 'IRError', 'NormalizeError', 'IR_FORMAT', 'IR_VERSION', 'BUILTIN_SLOTS']
