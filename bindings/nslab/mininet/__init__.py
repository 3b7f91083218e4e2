"""nslab.mininet: Mininet's Python API on nslab labs.

Scripts written for Mininet run unchanged when started with ``nslab-mn script.py`` or
``python3 -m nslab.mininet script.py``, which make ``import mininet...`` resolve here. Each
Mininet network is one nslab lab: hosts and switches are nslab nodes (switches are learning
bridges), links are veth pairs, and everything is gone when the script ends. docs/mininet.md
says what maps to what."""

VERSION = "2.3.0+nslab"
