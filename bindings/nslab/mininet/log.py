"""Mininet's logging: info(), output(), warn(), error(), debug(), setLogLevel(), lg.

As in Mininet, messages go to stderr without an added newline, and several arguments are
joined with spaces."""
import logging
import sys

OUTPUT = 25
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "output": OUTPUT,
          "warning": logging.WARNING, "warn": logging.WARNING, "error": logging.ERROR,
          "critical": logging.CRITICAL}
LOGLEVELDEFAULT = OUTPUT
logging.addLevelName(OUTPUT, "OUTPUT")


class _NoNewline(logging.StreamHandler):
    def emit(self, record):
        try:
            self.stream.write(self.format(record))
            self.flush()
        except Exception:  # noqa: BLE001 - a log line must never end the script
            self.handleError(record)


class MininetLogger(logging.Logger):
    """The `lg` object: a logger with Mininet's extra `output` level and setLogLevel()."""

    def __init__(self, name="mininet"):
        super().__init__(name)
        handler = _NoNewline(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        self.addHandler(handler)
        self.setLevel(LOGLEVELDEFAULT)

    def setLogLevel(self, levelname=None):
        if levelname and levelname not in LEVELS:
            raise ValueError(f"unknown log level {levelname!r} (one of {', '.join(LEVELS)})")
        self.setLevel(LEVELS.get(levelname, LOGLEVELDEFAULT))

    def output(self, msg, *args, **kwargs):
        if self.isEnabledFor(OUTPUT):
            self._log(OUTPUT, msg, args, **kwargs)


lg = MininetLogger()


def _joined(fn):
    def log(*args):
        # Mininet passes pieces to be joined, never %-format arguments (no args: no formatting).
        fn(" ".join(str(a) for a in args))
    return log


info, output, warning, error, debug = (_joined(f) for f in (lg.info, lg.output, lg.warning, lg.error, lg.debug))
warn = warning


def setLogLevel(levelname=None):
    lg.setLogLevel(levelname)
