#include "help.hpp"

#include <sstream>

namespace nslab::cli {

namespace {

// Details are plain text with two-space indented lines for examples and option lists; the
// man page turns those into .nf blocks, so a text reads well in both places.
constexpr CommandHelp kHelp[] = {
    {"up", "FILE|--gen SHAPE:N [--name NAME] [--hosts HOSTS.json] [--exec-timeout S] [--quiet] [--json]",
     "build the lab; prints its nodes, interfaces and addresses",
     "Validates the topology FILE, creates a namespace per node and the links between them, runs\n"
     "each node's exec commands, starts its routing daemons (frr, bird), and returns when the lab\n"
     "is wired and every daemon answers. The lab keeps running until `lab down`, which stops the\n"
     "daemons with SIGTERM first. On any failure everything built so far is rolled back. On a\n"
     "terminal a progress line shows the stage, the count and the rate; elsewhere nothing but\n"
     "the result is printed.\n"
     "options:\n"
     "  --name NAME        run under another lab name (the same file can run as several labs)\n"
     "  --gen SHAPE:N      a generated topology instead of FILE (see lab gen)\n"
     "  --hosts HOSTS.json spread the lab over these machines (the topology's `placement`): each\n"
     "                     runs its part, started and held over ssh; links between machines are\n"
     "                     VXLAN. lab down, status and exec work on the whole lab from here\n"
     "  --partition HOST   bring up only HOST's part of a lab with `placement` (FILE may be -)\n"
     "  --hold             with --partition and -: the part `lab up --hosts` starts over ssh\n"
     "  --exec-timeout S   seconds each exec command, and each node's daemon start, may take\n"
     "                     (default 60)\n"
     "  -q, --quiet        print only the one-line summary\n"
     "  --json             print the lab as JSON instead: nodes, PIDs, namespace pins, interfaces\n"
     "                     with live and configured addresses, links, impairments, timings\n"
     "example:\n"
     "  lab up topologies/triangle.json --name tri2"},
    {"plan", "FILE [--hosts HOSTS.json] [--name NAME] [--json]", "where each node of a lab over several machines runs",
     "Places the nodes of FILE on the machines of its `placement` (or of HOSTS.json): nodes the\n"
     "placement leaves out go breadth-first over the links, each machine taking its share (1 per\n"
     "node plus its limits.cpus), a switch where most of its ports' nodes are. Prints each machine's\n"
     "nodes and the links that cross between machines, with their VNI and MTU; --json prints a\n"
     "`placement` to pin it down.\n"
     "example:\n"
     "  lab plan topologies/line.json --hosts hosts.json"},
    {"status", "[LAB] [--routes] [--json]", "list labs, or one lab's nodes, PIDs, interfaces and addresses",
     "Without LAB (and more than one lab running) lists the labs. With LAB, or when exactly one\n"
     "lab runs, shows each node's init PID and its interfaces, state, MTU and addresses, read\n"
     "live from the kernel.\n"
     "options:\n"
     "  --routes           also print each node's routes\n"
     "  --json             the same as lab up --json prints (a list of labs without LAB)"},
    {"exec", "[LAB] NODE [--json] -- CMD...", "run CMD inside NODE; stdio passes through, exit code is CMD's",
     "Runs CMD in every namespace of NODE with the node's environment. Standard input, output and\n"
     "error are the terminal's; the exit code is CMD's.\n"
     "options:\n"
     "  --json             capture CMD's output and print one JSON object: exit_code, stdout,\n"
     "                     stderr, duration_ms, timed_out (the exit code is still CMD's)\n"
     "example:\n"
     "  lab exec triangle r1 -- ip route"},
    {"shell", "[LAB] NODE", "interactive shell inside NODE",
     "Starts $SHELL inside NODE (else /bin/bash when it exists, else /bin/sh). On a terminal the\n"
     "shell gets a terminal of its own in the node, so job control works; otherwise it reads\n"
     "standard input. Leave it with exit or Ctrl-D; the node keeps running."},
    {"ping", "[LAB] SRC DST [-4|-6] [--timeout S]", "ping node or address DST from SRC (raw ICMP, no forked ping)",
     "Sends echo requests from SRC, again while none is answered, until a reply comes or the\n"
     "timeout passes. DST is an address, or a node name (its first address of the family,\n"
     "loopback first, IPv4 before IPv6). Exit 0 when the reply came.\n"
     "options:\n"
     "  -4, -6             only IPv4 or only IPv6\n"
     "  --timeout S        seconds to wait for the reply (default 2, at most 3600; e.g. 0.5)"},
    {"pingall", "[LAB] [-4|-6] [--timeout S]", "ping matrix between all non-switch nodes; exit 0 iff all reachable",
     "Pings every other non-switch node from every non-switch node and prints a Mininet-style\n"
     "matrix with the share of replies dropped. All pairs are pinged at once, and the ones that\n"
     "have not answered are asked again within the timeout.\n"
     "options:\n"
     "  -4, -6             only IPv4 or only IPv6\n"
     "  --timeout S        seconds for the whole matrix, not each reply (default 2, at most 3600)"},
    {"link", "[LAB] NODE:IFACE up|down [--one-end] | show | set [KEY=VALUE...] | add [LAB] A B [--json SPEC] | rm [LAB] NODE:IFACE",
     "change, show, add or remove a link (both ends), named by either endpoint",
     "Sets both ends of the link administratively up or down (daemons see the carrier go), or\n"
     "with --one-end only the end NODE:IFACE names, so its peer keeps its state and sees the\n"
     "carrier go (one side of a cable unplugged). show gives each end's state and MTU and the\n"
     "impairment in force; set replaces the impairment\n"
     "(set with no KEY=VALUE, or set none, removes it). Keys as in a topology's netem: delay,\n"
     "jitter, loss, duplicate, corrupt, reorder, rate, limit; each applies in both directions.\n"
     "examples:\n"
     "  lab link triangle r1:eth1 down\n"
     "  lab link triangle r1:eth1 down --one-end\n"
     "  lab link triangle r1:eth1 set delay=20ms loss=1%\n"
     "add A B joins two nodes of the running lab with a new link (A and B as in a topology's\n"
     "endpoints; SPEC the link's other keys: ipv4, ipv6, mtu, netem, up); rm removes the link that\n"
     "has the end NODE:IFACE. Both print the change and apply it at once; a change that fails is\n"
     "undone and the rest of the lab keeps running.\n"
     "examples:\n"
     "  lab link add triangle r1:eth3 r4:eth1 --json '{\"ipv4\": [\"10.0.14.1/30\", \"10.0.14.2/30\"]}'\n"
     "  lab link rm triangle r1:eth3"},
    {"node", "add [LAB] NAME [--json SPEC] | rm [LAB] NAME", "add a node to a running lab, or remove one with its links",
     "add starts a new node (host, router or switch) in the running lab; SPEC is its object as\n"
     "in a topology's nodes (the topology's defaults apply). Link it with lab link add. rm stops\n"
     "the node and removes every link with an end on it. The change is printed; one that fails is\n"
     "undone and the rest of the lab keeps running.\n"
     "examples:\n"
     "  lab node add triangle r4 --json '{\"kind\": \"router\", \"loopback\": [\"10.0.0.4/32\"]}'\n"
     "  lab node rm triangle r4"},
    {"apply", "[LAB] FILE [--dry-run] [--json]", "reconcile a running lab to an edited topology file",
     "Compares FILE with the running lab and applies the difference: nodes and links added or\n"
     "removed, addresses, routes, impairments (netem) and link admin states changed, a node's own\n"
     "interfaces added, removed or made again. Nothing else is touched: kept nodes keep their\n"
     "processes and kept links their interfaces. What a running\n"
     "node cannot change (namespaces, mounts, files, sysctls, exec, rootfs, limits) is refused\n"
     "with its place in FILE; remove the node and add it again instead. Each change is printed\n"
     "(- removed, + added, ~ changed); one that fails is undone as a whole.\n"
     "Links are matched by their two ends: name a switch's ports in FILE (\"s1:p1\"), since an\n"
     "automatic port name counts the switch's links in file order.\n"
     "options:\n"
     "  --dry-run          print the difference, change nothing\n"
     "  --json             {\"lab\", \"changes\": [...], \"applied\", \"ms\"}\n"
     "example:\n"
     "  lab apply triangle triangle-v2.json --dry-run"},
    {"capture", "[LAB] NODE:IFACE [-w FILE] [--count N] [--timeout S]",
     "capture the frames of one interface: a pcap file, or one line each",
     "Captures what NODE's interface IFACE sends and receives, from a packet socket inside the\n"
     "node (no tcpdump needed). With -w the frames go to a pcap file that tcpdump -r and\n"
     "Wireshark open; without it each frame is one line: time, direction, length and a short\n"
     "decode (ARP, IPv4, IPv6, ICMP, TCP, UDP, OSPF). Stops after --count frames, after\n"
     "--timeout seconds, or on Ctrl-C; the file is complete in every case. \"capturing on\" on\n"
     "standard error says the socket is ready.\n"
     "options:\n"
     "  -w, --write FILE   write a pcap file (- for standard output: lab capture ... -w - | tcpdump -r -)\n"
     "  -c, --count N      stop after N frames\n"
     "  --timeout S        stop after S seconds (e.g. 2.5)\n"
     "examples:\n"
     "  lab capture triangle r1:eth1 --count 4\n"
     "  lab capture triangle r1:eth1 -w r1.pcap --timeout 10"},
    {"graph", "FILE|LAB [--format dot|mermaid|svg|html] [-o OUT] [--name NAME]", "draw a topology file or a running lab",
     "Prints the topology as a graph: nodes by kind (host ellipse, router octagon, switch box),\n"
     "interfaces and addresses at each end of a link, impaired (netem) links in red and dashed,\n"
     "a node's own interfaces in its label, tunnels between nodes in blue and dashed.\n"
     "For a running lab (a name instead of a file) node PIDs and live interface state are shown.\n"
     "options:\n"
     "  --format dot       Graphviz source (default)\n"
     "  --format mermaid   Mermaid, for Markdown pages\n"
     "  --format svg       an image; needs Graphviz's dot (apt-get install graphviz)\n"
     "  --format html      one self-contained page that draws the graph, offline\n"
     "  -o, --output OUT   write to OUT instead of standard output\n"
     "  --name NAME        the lab name a FILE's lab is drawn under (as lab validate --name)\n"
     "example:\n"
     "  lab graph topologies/triangle.json --format svg -o triangle.svg"},
    {"down", "[LAB] [--all]", "take the lab down; returns when everything is gone",
     "Stops every node of the lab and removes its network namespace pins and state. Returns when\n"
     "no process, mount or state file of the lab is left.\n"
     "options:\n"
     "  --all              every lab on this machine"},
    {"validate", "FILE... [--name NAME]", "check topologies; every error with its JSON pointer (exit 2)",
     "Parses and checks each FILE without building anything. Every problem is reported with the\n"
     "JSON pointer where it is. Exit 2 when any file is invalid.\n"
     "Editors can check topologies as they are typed with topologies/schema.json."},
    {"clean", "", "remove what crashed or killed runs left behind",
     "Removes the leftovers of labs whose keeper is gone: node processes, namespace pins, mounts,\n"
     "cgroups and state. Running labs are left alone."},
    {"gen", "SHAPE N [--routed] [--fanout F] [--name NAME]",
     "print a generated topology: single linear tree line ring star mesh",
     "Prints a topology of a given shape, for large labs without a hand-written file.\n"
     "shapes:\n"
     "  single N   one switch, N hosts           linear N  N switches in a chain, a host on each\n"
     "  tree D     switch tree of depth D        line N    N routers in a line\n"
     "  ring N     N routers in a cycle          star N    a router with N hosts\n"
     "  mesh N     N routers, every pair linked (N <= 64)\n"
     "options:\n"
     "  --routed           routers instead of switches (linear)\n"
     "  --fanout F         children per switch (tree; default 2)\n"
     "  --name NAME        the lab name"},
};

constexpr const char* kIntro = "Build networks of Linux namespaces from a JSON topology, drive them, take them down.";
constexpr const char* kFooter =
    "LAB may be omitted when exactly one lab is running.\n"
    "Exit codes: 0 ok, 1 failure, 2 bad usage or invalid topology. With --json (up, status, exec)\n"
    "an error is a JSON object on standard error: {\"error\": {\"message\", \"kind\", ...}}.\n";

// roff: a leading "." or "'" would be read as a request, "\" starts an escape, and "-" should be
// a real minus in options.
std::string roff(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
    return out;
}

}  // namespace

std::span<const CommandHelp> all_help() { return kHelp; }

const CommandHelp* find_help(std::string_view command) {
    for (const auto& h : kHelp)
        if (h.name == command) return &h;
    return nullptr;
}

std::string usage_line(std::string_view command) {
    const CommandHelp* h = find_help(command);
    if (!h) return "usage: lab " + std::string(command);
    return "usage: lab " + std::string(h->name) + (h->synopsis.empty() ? "" : " " + std::string(h->synopsis));
}

std::string main_help() {
    std::ostringstream o;
    o << "usage: lab COMMAND [ARGS]\n\n" << kIntro << "\n\ncommands:\n";
    for (const auto& h : kHelp) {
        std::string head = "  " + std::string(h.name) + (h.synopsis.empty() ? "" : " " + std::string(h.synopsis));
        if (head.size() + 2 <= 26) o << head << std::string(26 - head.size(), ' ') << h.summary << "\n";
        else o << head << "\n" << std::string(26, ' ') << h.summary << "\n";
    }
    o << "\n" << kFooter << "Run lab COMMAND --help for a command's options and examples.\n";
    return o.str();
}

std::string command_help(const CommandHelp& h) {
    return usage_line(h.name) + "\n\n" + std::string(h.summary) + ".\n\n" + std::string(h.details) + "\n";
}

std::string man_page() {
    std::ostringstream o;
    o << ".TH LAB 1 \"\" \"nslab\" \"User Commands\"\n"
      << ".SH NAME\nlab \\- " << roff(kIntro) << "\n"
      << ".SH SYNOPSIS\n.B lab\n.I COMMAND\n[\\fIARGS\\fR]\n"
      << ".SH DESCRIPTION\n" << roff(kFooter) << "\n.SH COMMANDS\n";
    for (const auto& h : kHelp) {
        o << ".SS \"lab " << h.name << (h.synopsis.empty() ? "" : " " + roff(h.synopsis)) << "\"\n"
          << roff(h.summary) << ".\n.PP\n";
        // Indented lines (options, examples) keep their layout in a no-fill block.
        std::istringstream lines{std::string(h.details)};
        bool block = false;
        for (std::string line; std::getline(lines, line);) {
            bool indented = line.starts_with("  ");
            if (indented && !block) o << ".RS\n.nf\n";
            if (!indented && block) o << ".fi\n.RE\n";
            block = indented;
            // "options:", "example:": a heading of its own, not the end of the paragraph.
            if (!indented && line.ends_with(':')) o << ".PP\n";
            o << roff(indented ? line.substr(2) : line) << "\n";
        }
        if (block) o << ".fi\n.RE\n";
    }
    o << ".SH FILES\n.TP\n/run/nslab/\\fILAB\\fR/\nstate of each running lab\n"
      << ".TP\n/run/netns/\\fILAB\\fR.\\fINODE\\fR\neach node's network namespace\n"
      << ".SH SEE ALSO\n.BR ip (8),\n.BR ip-netns (8)\n";
    return o.str();
}

}  // namespace nslab::cli
