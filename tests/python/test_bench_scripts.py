"""The benchmark scripts of bench/ still run: bench/cisized.py --quick (about 10 s) writes its
three sections with positive numbers and leaves nothing of its labs behind (it exits 1 if it
does)."""
import json
import subprocess

from nslab_testing import LAB, ROOT


def test_cisized_quick(tmp_path):
    stem = tmp_path / "cisized"
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "bench" / "cisized.py"), "--quick", "--lab", LAB,
                        "--stem", str(stem)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads((stem.with_suffix(".json")).read_text())
    assert res["failures"] == [] and res["left_over"] == {"labs": [], "pins": []}
    c, p, m = res["cli"], res["pytest"], res["many"]
    for k in ("up_ms", "down_ms", "up_down_ms"):
        assert c[k]["median"] > 0 and c[k]["p90"] >= c[k]["median"], (k, c[k])
    assert p["per_test_ms"] > 0 and p["wall_lab_tests_ms"] > p["wall_empty_tests_ms"] > 0, p
    assert m["labs_completed"] > 0 and m["labs_per_s"] > 0 and m["errors"] == [], m
    assert len(m["per_worker"]) == m["workers"]
    assert all(w["labs"] > 0 and w["median_cycle_ms"] > 0 for w in m["per_worker"]), m["per_worker"]
    md = (stem.with_suffix(".md")).read_text()
    assert "| CLI up+down (median / p90) |" in md and "labs/s in total" in md
