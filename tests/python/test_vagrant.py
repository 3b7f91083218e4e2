"""vagrant/: no VM can boot here (no hypervisor), so CI checks what it can without one: Vagrant
itself validates the Vagrantfile (`vagrant validate --ignore-provider`, which evaluates the Ruby
and checks every setting), and the provisioning script parses and runs the CI scripts."""
import os
import shutil
import subprocess

import pytest

from nslab_testing import ROOT

VAGRANT = ROOT / "vagrant"


def test_provision_script_parses_and_uses_ci():
    script = VAGRANT / "provision.sh"
    assert os.access(script, os.X_OK)
    r = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    text = script.read_text()
    assert "ci/deps.sh" in text and "ci/test.sh" in text
    # The kernel-dependent suite runs with the scripts the emulated VM (ci/vm-test) runs.
    assert "ci/vm/prepare.sh" in text and "ci/vm/run-suite.py" in text and "ci/vm/suite.txt" in text
    for ci in ("deps.sh", "test.sh", "build.sh", "vm/prepare.sh", "vm/run-suite.py", "vm/guest.py", "vm-test"):
        assert os.access(ROOT / "ci" / ci, os.X_OK), ci
    assert 'path: "provision.sh"' in (VAGRANT / "Vagrantfile").read_text()


def test_vagrant_validate(tmp_path):
    if not shutil.which("vagrant"):
        pytest.skip("vagrant is not installed (Debian package vagrant; ci/deps.sh installs it)")
    # VAGRANT_HOME and the .vagrant dir in tmp: validating leaves nothing in ~/.vagrant.d or
    # in the checkout.
    env = dict(os.environ, VAGRANT_CWD=str(VAGRANT), VAGRANT_HOME=str(tmp_path / "home"),
               VAGRANT_DOTFILE_PATH=str(tmp_path / "dot"),
               VAGRANT_CHECKPOINT_DISABLE="1", VAGRANT_NO_COLOR="1")
    r = subprocess.run(["vagrant", "validate", "--ignore-provider"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "validated successfully" in r.stdout
    assert not (VAGRANT / ".vagrant").exists()
