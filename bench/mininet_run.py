# One Mininet lab, timed: `python3 mininet_run.py SHAPE N` prints {"up": s, "down": s} as JSON.
# bench/compare runs it inside a network namespace of its own (unshare --net), so Mininet's
# root-namespace bridges and veths never touch the host's; Linux bridges, no controller, as the
# issue's peer figures were measured. Never `mn -c`: it kills processes by name host-wide.
import json
import os
import signal
import sys
import time

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.nodelib import LinuxBridge
from mininet.topo import LinearTopo, SingleSwitchTopo

setLogLevel("error")
shape, n = sys.argv[1], int(sys.argv[2])
topo = SingleSwitchTopo(n) if shape == "single" else LinearTopo(k=n, n=1)
t0 = time.monotonic()
net = Mininet(topo=topo, switch=LinuxBridge, controller=None, build=False, autoSetMacs=False)
pids = []
try:
    net.build()
    net.start()
    up = time.monotonic() - t0
    pids = [h.pid for h in net.hosts]
finally:
    t1 = time.monotonic()
    net.stop()
    down = time.monotonic() - t1
    for pid in pids:   # ours, by PID: whatever stop() left
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
print(json.dumps({"up": up, "down": down}))
