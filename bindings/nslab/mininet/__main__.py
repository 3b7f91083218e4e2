"""`python3 -m nslab.mininet [script.py ARGS | mn options]`: the same as `nslab-mn`."""
import sys

from .mn import main

sys.exit(main())
