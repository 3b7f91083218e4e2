"""Mininet's cleanup (`mn -c`): here nslab's `lab clean`, which removes what crashed labs left
and never touches anything else (Mininet's kills processes by name host-wide)."""
from .. import clean as _nslab_clean
from .log import info


def cleanup() -> list:
    info("*** Removing what crashed nslab labs left (lab clean)\n")
    labs = _nslab_clean()
    for lab in labs:
        info(f"*** Removed lab {lab}\n")
    info("*** Cleanup complete.\n")
    return labs


class Cleanup:
    """Mininet's Cleanup class: cleanup() and addCleanupCallback()."""

    callbacks: list = []

    @classmethod
    def cleanup(cls) -> list:
        for callback in cls.callbacks:
            callback()
        return cleanup()

    @classmethod
    def addCleanupCallback(cls, callback) -> None:
        if callback not in cls.callbacks:
            cls.callbacks.append(callback)


def killprocs(pattern: str) -> None:
    """Mininet kills processes by name here; nslab never does (its nodes' processes die with them)."""
