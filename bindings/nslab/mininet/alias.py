"""`import mininet...` resolves to nslab.mininet, ahead of a real Mininet on sys.path."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname != "mininet" and not fullname.startswith("mininet."):
            return None
        if importlib.util.find_spec("nslab." + fullname) is None:
            return None  # e.g. mininet.examples: not ours, and not to be mixed with ours
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        # The very module object: `mininet.node.Host is nslab.mininet.node.Host`.
        return importlib.import_module("nslab." + spec.name)

    def exec_module(self, module):
        pass


def install() -> None:
    """Make `mininet` and `mininet.*` the modules of nslab.mininet (idempotent)."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
    for name in [m for m in sys.modules if m == "mininet" or m.startswith("mininet.")]:
        if not sys.modules[name].__name__.startswith("nslab."):
            del sys.modules[name]  # a real Mininet imported earlier must not win
