"""The pytest plugin, run on inner test files with pytester."""
import os
import subprocess

from nslab_testing import LAB, ROOT

TOPO = ROOT / "topologies"


def test_marker_fixture_and_failure_report(pytester):
    pytester.makeconftest('pytest_plugins = ["nslab.pytest_plugin"]')
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.topology({str(TOPO / 'star.json')!r})
        def test_passes(lab):
            assert lab["h1"].ping("h2")

        @pytest.mark.topology({str(TOPO / 'star.json')!r})
        def test_fails(lab):
            lab["h1"].run("echo marker-output-1234")
            assert False, "on purpose"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "nslab lab t" in out                    # the lab section of the report
    assert "eth0" in out
    assert "marker-output-1234" in out             # the last commands' output


def test_labs_have_unique_names_and_are_gone_after(pytester):
    pytester.makeconftest('pytest_plugins = ["nslab.pytest_plugin"]')
    pytester.makepyfile(f"""
        import pytest
        names = []

        @pytest.mark.parametrize("i", range(3))
        def test_lab(lab, i):
            lab.up({str(TOPO / 'triangle.json')!r})
            names.append(lab.name)
            assert len(set(names)) == len(names)

        def test_names_were_unique():
            assert len(names) == 3 and len(set(names)) == 3
            print("LABNAMES", *names)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=4)
    names = next(l.split("LABNAMES", 1)[1].split()[:3] for l in result.stdout.lines if "LABNAMES" in l)
    assert len(names) == 3
    # Every lab of the inner run is gone (labs of other tests running beside us may not be).
    assert not [n for n in names if os.path.exists(f"/run/nslab/{n}")]


def test_keep_leaves_a_failed_labs_up(pytester):
    pytester.makeconftest('pytest_plugins = ["nslab.pytest_plugin"]')
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.topology({str(TOPO / 'star.json')!r})
        def test_fails(lab):
            print("LABNAME", lab.name)
            assert False
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--nslab-keep", "-s")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    name = out.split("LABNAME ")[1].split()[0]
    assert f"kept lab {name} up" in out
    try:
        # The test process has exited; the lab is still up and reachable by name.
        st = subprocess.run([LAB, "exec", name, "h1", "--", "hostname"], capture_output=True, text=True)
        assert st.stdout == "h1\n", st.stderr
    finally:
        subprocess.run([LAB, "down", name], check=True)


def test_module_lab_is_shared(pytester):
    pytester.makeconftest('pytest_plugins = ["nslab.pytest_plugin"]')
    pytester.makepyfile(f"""
        import pytest
        pytestmark = pytest.mark.topology({str(TOPO / 'triangle.json')!r})
        seen = set()

        def test_one(module_lab):
            seen.add(module_lab.name)

        def test_two(module_lab):
            seen.add(module_lab.name)
            assert len(seen) == 1 and module_lab["r1"].ping("r3")
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
