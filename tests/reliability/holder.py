"""A Python process that holds an ephemeral lab until it is killed: prints "up" when the lab
is up, then sleeps. Used by test_faults.py: `holder.py TOPOLOGY NAME`."""
import sys
import time

import nslab

with nslab.Lab.from_file(sys.argv[1], name=sys.argv[2]) as lab:
    print("up", flush=True)
    time.sleep(600)
