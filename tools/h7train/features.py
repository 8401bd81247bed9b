"""Features for training and evaluation, computed ONLY by the front end's host library
(h7frontend: the same C that runs on the chip). Cached as .npy beside the data cache."""
import hashlib
import json
import os

import numpy as np
from tqdm import tqdm

from h7data.dataset import cache_dir
from h7data.wavio import atomic_write_bytes

DEFAULT_CONFIG = 'kws_stream'


def load_frontend(config=DEFAULT_CONFIG):
    try:
        import h7frontend
    except ImportError as err:
        raise RuntimeError(f'the front-end package h7frontend is missing ({err})') from None
    try:
        return h7frontend.Frontend(config)
    except h7frontend.LibraryMissing as err:
        raise RuntimeError(str(err)) from None


def _library_digest():
    import h7frontend
    with open(h7frontend.LIBRARY_PATH, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()[:10]


def compute(clips, frontend, desc='features'):
    """int16 [n, samples] -> float32 [n, frames, coeffs]."""
    clips = np.asarray(clips)
    out = None
    for i in tqdm(range(len(clips)), desc=desc, unit='clip', mininterval=2,
                  disable=len(clips) < 2000):
        f = frontend.features(clips[i])
        if out is None:
            out = np.empty((len(clips),) + f.shape, np.float32)
        out[i] = f
    return out if out is not None else np.zeros((0,) + frontend.config.input_shape, np.float32)


def cached(name, clips, frontend):
    """Features of a dataset split, computed once per (data, config, library build)."""
    key = hashlib.sha1(json.dumps([name, frontend.config.to_metadata(), _library_digest(),
                                   clips.shape]).encode()).hexdigest()[:12]
    path = os.path.join(cache_dir(), 'features', f'{name}-{key}.npy')
    if os.path.exists(path):
        return np.load(path)
    feats = compute(clips, frontend, desc=f'{name}: features')
    import io
    buf = io.BytesIO()
    np.save(buf, feats)
    atomic_write_bytes(path, buf.getvalue())
    return feats
