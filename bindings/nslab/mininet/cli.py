"""Mininet's CLI: `mininet>` commands read from stdin (a terminal, a pipe or a file)."""
from __future__ import annotations

import cmd
import subprocess
import sys
import time
from typing import Any

from .fabric import NotSupported
from .log import error, info, output
from .util import dumpNodeConnections, dumpPorts, natural


class CLI(cmd.Cmd):
    """Simple command-line interface to talk to nodes."""

    prompt = "mininet> "

    def __init__(self, mininet: Any, stdin: Any = sys.stdin, script: Any = None, **kwargs: Any) -> None:
        self.mn = mininet
        self.locals = {"net": mininet}
        self.inputFile = script
        super().__init__(stdin=stdin, **kwargs)
        self.use_rawinput = stdin is sys.stdin and sys.stdin.isatty()
        info("*** Starting CLI:\n")
        if self.inputFile:
            self.do_source(self.inputFile)
            return
        self.run()

    def run(self) -> None:
        while True:
            try:
                if not self.use_rawinput:
                    sys.stdout.write(self.prompt)
                    sys.stdout.flush()
                    self.prompt_shown = True
                self.cmdloop()
                break
            except KeyboardInterrupt:
                output("\nInterrupt\n")

    def cmdloop(self, intro: Any = None) -> None:
        # cmd.Cmd prints no prompt when not reading a terminal; Mininet's tests wait for it.
        while True:
            if self.use_rawinput:
                try:
                    line = input(self.prompt)
                except EOFError:
                    line = "EOF"
            else:
                if not getattr(self, "prompt_shown", False):
                    sys.stdout.write(self.prompt)
                    sys.stdout.flush()
                self.prompt_shown = False
                line = self.stdin.readline()
                line = "EOF" if not line else line.rstrip("\r\n")
            line = self.precmd(line)
            stop = self.onecmd(line)
            if self.postcmd(stop, line):
                return

    def emptyline(self) -> None:
        pass

    def getLocals(self) -> dict:
        self.locals.update(self.mn)
        return self.locals

    helpStr = (
        "You may also send a command to a node using:\n"
        "  <node> command {args}\n"
        "For example:\n"
        "  mininet> h1 ifconfig\n"
        "\n"
        "The interpreter automatically substitutes IP addresses\n"
        "for node names when a node is the first arg, so commands\n"
        "like\n"
        "  mininet> h2 ping h3\n"
        "should work.\n"
        "\n"
        "xterm, x, gterm and dpctl are not available under nslab-mn.\n"
    )

    def do_help(self, line: str) -> None:
        super().do_help(line)
        if line == "":
            output(self.helpStr)

    def do_nodes(self, _line: str) -> None:
        "List all nodes."
        nodes = " ".join(sorted(self.mn, key=natural))
        output("available nodes are: \n%s\n" % nodes)

    def do_ports(self, _line: str) -> None:
        "Display ports and interfaces for each switch"
        dumpPorts(self.mn.switches)

    def do_net(self, _line: str) -> None:
        "List network connections."
        dumpNodeConnections(self.mn.values())

    def do_sh(self, line: str) -> None:
        "Run an external shell command on the host. Usage: sh [cmd args]"
        assert self
        subprocess.call(line, shell=True)

    def do_py(self, line: str) -> None:
        "Evaluate a Python expression; node names are variables, `net` the network."
        try:
            result = eval(line, globals(), self.getLocals())
            if result is None:
                return
            output((result if isinstance(result, str) else repr(result)) + "\n")
        except Exception as e:  # noqa: BLE001 - the CLI reports and goes on, as Mininet's
            output(str(e) + "\n")

    def do_px(self, line: str) -> None:
        "Execute a Python statement; node names are variables, `net` the network."
        try:
            exec(line, globals(), self.getLocals())
        except Exception as e:  # noqa: BLE001
            output(str(e) + "\n")

    def do_pingall(self, line: str) -> None:
        "Ping between all hosts."
        self.mn.pingAll(line)

    def do_pingpair(self, _line: str) -> None:
        "Ping between first two hosts, useful for testing."
        self.mn.pingPair()

    def do_pingallfull(self, _line: str) -> None:
        "Ping between all hosts, returns all ping results."
        self.mn.pingAllFull()

    def do_pingpairfull(self, _line: str) -> None:
        "Ping between first two hosts, returns all ping results."
        self.mn.pingPairFull()

    def do_iperf(self, line: str) -> None:
        "Simple iperf TCP test between two (optionally specified) hosts. Usage: iperf node1 node2"
        args = line.split()
        if not args:
            self.mn.iperf()
        elif len(args) == 2:
            hosts = []
            for arg in args:
                if arg not in self.mn:
                    error("node '%s' not in network\n" % arg)
                    return
                hosts.append(self.mn[arg])
            self.mn.iperf(hosts)
        else:
            error("invalid number of args: iperf src dst\n")

    def do_iperfudp(self, line: str) -> None:
        "Simple iperf UDP test between two (optionally specified) hosts. Usage: iperfudp bw node1 node2"
        args = line.split()
        if not args:
            self.mn.iperf(l4Type="UDP")
        elif len(args) == 3:
            udpBw = args[0]
            hosts = []
            for arg in args[1:3]:
                if arg not in self.mn:
                    error("node '%s' not in network\n" % arg)
                    return
                hosts.append(self.mn[arg])
            self.mn.iperf(hosts, l4Type="UDP", udpBw=udpBw)
        else:
            error("invalid number of args: iperfudp bw src dst\nbw examples: 10M\n")

    def do_intfs(self, _line: str) -> None:
        "List interfaces."
        for node in self.mn.values():
            output("%s: %s\n" % (node.name, ",".join(node.intfNames())))

    def do_dump(self, _line: str) -> None:
        "Dump node info."
        for node in self.mn.values():
            output("%s\n" % repr(node))

    def do_link(self, line: str) -> None:
        "Bring link(s) between two nodes up or down. Usage: link node1 node2 [up/down]"
        args = line.split()
        if len(args) != 3:
            error("invalid number of args: link end1 end2 [up down]\n")
        elif args[2] not in ["up", "down"]:
            error("invalid type: link end1 end2 [up down]\n")
        else:
            self.mn.configLinkStatus(*args)

    def do_links(self, _line: str) -> None:
        "Report on links"
        for link in self.mn.links:
            output(link, link.status(), "\n")

    def _unsupported(self, what: str, why: str) -> None:
        error(f"*** {what} is not supported by nslab-mn: {why}\n")

    def do_xterm(self, _line: str, term: str = "xterm") -> None:
        "Not available: nslab-mn opens no terminals."
        self._unsupported(term, "nodes have no X11 display; run `lab shell %s NODE` in a terminal instead"
                          % self.mn.fabric.name)

    def do_x(self, line: str) -> None:
        "Not available: nslab-mn opens no terminals."
        self.do_xterm(line, term="x")

    def do_gterm(self, line: str) -> None:
        "Not available: nslab-mn opens no terminals."
        self.do_xterm(line, term="gterm")

    def do_dpctl(self, _line: str) -> None:
        "Not available: switches are Linux bridges, without OpenFlow."
        self._unsupported("dpctl", "switches are Linux learning bridges, which have no OpenFlow flow tables")

    def do_switch(self, _line: str) -> None:
        "Not available: switches are Linux bridges, always running."
        self._unsupported("switch start/stop", "switches are Linux learning bridges that run as long as the lab")

    def do_wait(self, _line: str) -> None:
        "Wait until all switches have connected to a controller (at once: bridges need none)."

    def do_exit(self, _line: str) -> str:
        "Exit"
        assert self
        return "exited by user command"

    def do_quit(self, line: str) -> str:
        "Exit"
        return self.do_exit(line)

    def do_EOF(self, line: str) -> str:
        "Exit"
        output("\n")
        return self.do_exit(line)

    def do_noecho(self, line: str) -> None:
        "Run an interactive command with echoing turned off. Usage: noecho [cmd args]"
        self.default(line)

    def do_source(self, line: str) -> None:
        "Read commands from an input file. Usage: source <file>"
        args = line.split()
        if len(args) != 1:
            error("usage: source <file>\n")
            return
        try:
            with open(args[0]) as f:
                for cmdline in f:
                    cmdline = cmdline.strip()
                    if cmdline and not cmdline.startswith("#"):
                        output("*** " + cmdline + "\n")
                        self.onecmd(cmdline)
        except OSError:
            error("error reading file %s\n" % args[0])

    def do_time(self, line: str) -> None:
        "Measure time taken for any command in Mininet."
        start = time.time()
        self.onecmd(line)
        output("*** Elapsed time: %0.6f secs\n" % (time.time() - start))

    def default(self, line: str) -> None:
        """`node command args`: run it in the node, node names replaced by their IPs."""
        first, args, line = self.parseline(line)
        if first in self.mn:
            if not args:
                error("*** Please enter a command for node: %s <cmd>\n" % first)
                return
            node = self.mn[first]
            rest = args.split(" ")
            rest = [self.mn[arg].defaultIntf().updateIP() or arg
                    if arg in self.mn and self.mn[arg].defaultIntf() is not None else arg for arg in rest]
            try:
                node.fabric.flush()
                node.sendCmd(" ".join(rest))
                self.waitForNode(node)
            except NotSupported as e:
                error("*** %s\n" % e)
        else:
            error("*** Unknown command: %s\n" % line)

    def waitForNode(self, node: Any) -> None:
        while node.waiting:
            try:
                data = node.monitor(timeoutms=500)
                if data:
                    output(data)
            except KeyboardInterrupt:
                node.sendInt()

    def onecmd(self, line: str) -> Any:
        try:
            return super().onecmd(line)
        except NotSupported as e:
            error("*** %s\n" % e)
        except Exception as e:  # noqa: BLE001 - one bad command must not end the session
            error("*** %s: %s\n" % (type(e).__name__, e))
        return None
