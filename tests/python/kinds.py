"""Interface kinds a kernel may lack (issue 17): bring a lab up, or check that `lab up` refused it
before building anything, naming the kind and its module, and skip. NSLAB_EXPECT_ALL_KINDS=1
(the stock-kernel VM, ci/vm/guest.py) says every kind must be there: then it fails instead."""
import os

import pytest

import nslab
from routing import assert_lab_gone

MODULES = {"dummy": "dummy", "vrf": "vrf", "vlan": "8021q", "macvlan": "macvlan", "vxlan": "vxlan", "tap": "tun"}


def up_or_refused(lab, topology, kinds):
    """lab.up(topology), or, where the kernel lacks one of `kinds`, the refusal checked and the
    test skipped (failed where every kind is expected)."""
    try:
        lab.up(topology)
    except nslab.NslabError as e:
        text = str(e)
        missing = [k for k in kinds if f"this kernel cannot make {k} interfaces" in text]
        if not missing:
            raise
        k = missing[0]
        assert f'it needs the kernel module "{MODULES[k]}"' in text, text
        assert getattr(e, "pointer", None) and "/interfaces/" in e.pointer, (e.pointer, text)
        assert_lab_gone(lab.name)
        if os.environ.get("NSLAB_EXPECT_ALL_KINDS") == "1":
            pytest.fail(f"NSLAB_EXPECT_ALL_KINDS=1 but: {text}")
        pytest.skip(f"this kernel has no {k} interfaces (refused as it should be: {text})")
