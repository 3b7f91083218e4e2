"""A pytest test that holds a lab from the plugin's fixture until it is killed; test_faults.py
runs it in a pytest of its own and kills that pytest with SIGKILL. Not collected by the
reliability run (the name matches neither test_*.py nor *_test.py); run with
`--noconftest -p nslab.pytest_plugin`."""
import os
import time

import pytest

TOPOLOGY = os.path.join(os.path.dirname(__file__), "topologies", "faults.json")


@pytest.mark.topology(TOPOLOGY)
def test_hold(lab):
    assert lab["h1"].ping("10.0.3.10")
    print("up", flush=True)
    time.sleep(600)
