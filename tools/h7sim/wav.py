"""WAV input for the simulated microphone: 16 kHz mono 16-bit PCM, through the project's
one WAV reader (h7frontend.wav): other formats are converted and announced in one note,
files that cannot be trusted are refused with one line (a SimError)."""
from h7frontend.wav import WavFormatError, load

from .errors import SimError

RATE = 16000


def load_wav(path, strict=False, min_seconds=None):
    """Returns (int16 samples at 16 kHz, note or None)."""
    try:
        audio = load(path, RATE, strict=strict, min_seconds=min_seconds)
    except WavFormatError as err:
        raise SimError(str(err)) from None
    return audio.samples, audio.note
