"""`cmake --install` into a DESTDIR (nothing touches the host): the commands, the man page and
completion, the Python package, the engine library with headers and a CMake package that a
project outside nslab (tests/consumer/) finds with find_package(nslab), builds against and runs."""
import os
import shutil
import subprocess

from nslab_testing import BUILD, ROOT

PREFIX = "/usr/local"


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}:\n{r.stdout}\n{r.stderr}"
    return r.stdout


def test_install_and_find_package(tmp_path):
    try:
        check_install(tmp_path)
    finally:  # an install is large (the Python module and the binaries): do not keep it around
        shutil.rmtree(tmp_path, ignore_errors=True)


def check_install(tmp_path):
    dest = tmp_path / "dest"
    # DESTDIR, not only --prefix: the Python package goes to an absolute site-packages path.
    run(["cmake", "--install", str(BUILD), "--prefix", PREFIX, "--strip"], env=dict(os.environ, DESTDIR=str(dest)))
    prefix = dest / PREFIX.lstrip("/")
    for f in ["bin/lab", "bin/nslab-mn", "libexec/nslab/nslab-keeper", "lib/libnslab.a",
              "include/nslab/lab/lab.hpp", "include/nslab/topology/model.hpp", "include/nslab/net/ip.hpp",
              "lib/cmake/nslab/nslabConfig.cmake", "lib/cmake/nslab/nslabConfigVersion.cmake",
              "lib/cmake/nslab/nslabTargets.cmake",
              "share/man/man1/lab.1", "share/bash-completion/completions/lab"]:
        assert (prefix / f).is_file(), f
    assert list(dest.glob("usr/lib/python3*/**/nslab/__init__.py")), "Python package not installed"
    shims = list(dest.glob("usr/lib/python3*/**/nslab/mininet/shims/ovs-vsctl"))
    assert shims and os.access(shims[0], os.X_OK), "nslab.mininet (with its shims) not installed"
    assert (prefix / "share/man/man1/lab.1").read_text().startswith(".TH LAB 1")
    assert "usage: lab COMMAND" in run([prefix / "bin/lab", "--help"])

    build = tmp_path / "consumer"
    run(["cmake", "-S", ROOT / "tests/consumer", "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}",
         "-DCMAKE_BUILD_TYPE=Release"])
    run(["cmake", "--build", build, "-j2"])
    assert run([build / "consumer", ROOT / "topologies/triangle.json"]) == "triangle: 3 nodes, 3 links\n"
