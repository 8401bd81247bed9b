"""Errors of the simulator that are the user's to fix (bad ELF, bad WAV, missing build)."""


class SimError(Exception):
    """A clear, user-facing error: the CLI prints it without a traceback."""
