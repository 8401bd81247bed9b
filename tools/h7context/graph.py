"""Grammar IR -> the decoder library's binary search graph (tools/h7speech, issue 13).

The graph compiler, G2P and the binary format belong to the decoder library; this module
only hands it the IR. Until tools/h7speech is in the checkout, compile_ir refuses in one
line and `compile -o X.json` gives the IR that the graph compiler will take.
"""
import importlib.util

from .parser import ContextError


def decoder_available():
    return importlib.util.find_spec('h7speech') is not None


def compile_ir(ir):
    """(graph bytes, one-line summary) for a grammar IR."""
    if not decoder_available():
        raise ContextError('the binary search graph needs the decoder library (tools/h7speech, '
                           'issue 13), which is not in this checkout; write the grammar IR with '
                           '-o CONTEXT.json', ir.get('source'))
    raise ContextError('tools/h7speech is here but h7context has no adapter for its graph API yet; '
                       'write the grammar IR with -o CONTEXT.json', ir.get('source'))
