"""Shared helpers: synthetic posteriors where the right answer is known."""
import numpy as np

from h7speech import phones


def posteriors(spec, p_right=0.9):
    """[(phone, frames), ...] -> frames x phones log-probabilities (float32): the given
    phone gets p_right, the rest share what is left."""
    rows = []
    other = np.log((1 - p_right) / (phones.COUNT - 1))
    for ph, n in spec:
        row = np.full(phones.COUNT, other, dtype=np.float32)
        row[phones.INDEX[ph]] = np.log(p_right)
        rows += [row] * n
    return np.array(rows, dtype=np.float32)
