"""Concurrent `lab link ... set` on different links of one lab (issue 14, item 13): each call
loads the lab's impair.json, changes its link and saves the whole file, so without a per-lab
lock the later save drops the other's change. Every link must end with its own setting.

Not in ci/vm/suite.txt (test_impair.py is): the lock is no kernel matter."""
import json
import threading

from clilab import cli_lab, lab

LINKS = 8
ROUNDS = 6


def star(name):
    nodes = {"hub": {}, **{f"l{i}": {} for i in range(LINKS)}}
    links = [{"endpoints": [f"hub:eth{i}", f"l{i}:eth0"]} for i in range(LINKS)]
    return {"name": name, "nodes": nodes, "links": links}


def setting(rnd, i):
    """What link i gets in round rnd, as `lab link set` takes it and `lab status` shows it. Odd
    rounds remove the impairment again: without sch_netem, a rate can replace no rate but not
    another rate (the netem attempt is refused over the tbf, not as netem-absent)."""
    if rnd % 2:
        return "none", "none"
    kbit = 1001 + 10 * rnd + i  # never a multiple of 1000, so shown as the same kbit figure
    return f"rate={kbit}kbit", f"rate={kbit}kbit"


def set_all_at_once(name, rnd):
    """One `lab link set` per link, all started together; their failures, if any."""
    start = threading.Barrier(LINKS)
    failures = []

    def one(i):
        start.wait()
        r = lab("link", name, f"hub:eth{i}", "set", setting(rnd, i)[0], timeout=60)
        if r.returncode != 0:
            failures.append(f"hub:eth{i}: {r.stderr.strip()}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(LINKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def test_concurrent_impairments_of_different_links_all_hold(tmp_path):
    with cli_lab("impair-race") as name:
        topo = tmp_path / "star.json"
        topo.write_text(json.dumps(star(name)))
        up = lab("up", "-q", topo, "--name", name, timeout=120)
        assert up.returncode == 0, up.stderr
        for rnd in range(ROUNDS):
            assert set_all_at_once(name, rnd) == []
            status = lab("status", name, "--json", timeout=60)
            assert status.returncode == 0, status.stderr
            got = {tuple(k["endpoints"]): k["impairment"]["netem"] for k in json.loads(status.stdout)["links"]}
            want = {(f"hub:eth{i}", f"l{i}:eth0"): setting(rnd, i)[1] for i in range(LINKS)}
            lost = sorted(f"{a}: {got.get((a, b))!r}, not {w!r}" for (a, b), w in want.items() if got.get((a, b)) != w)
            assert lost == [], f"round {rnd}: {len(lost)} of {LINKS} concurrent changes lost: " + "; ".join(lost)
