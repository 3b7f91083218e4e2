// `lab capture [LAB] NODE:IFACE [-w FILE] [--count N] [--timeout S]`: the frames one interface
// of a node sends and receives, as a pcap file or one line each. Ctrl-C (or SIGTERM) stops it
// with the file complete.
#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cmath>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "help.hpp"
#include "probe/capture.hpp"
#include "lab/lab.hpp"
#include "util/error.hpp"

namespace nslab::cli {

namespace {

double positive(const Args& a, const std::string& opt, double max) {
    std::string t = a.opt(opt);
    double v = 0;
    std::size_t used = 0;
    try {
        v = std::stod(t, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != t.size() || !std::isfinite(v) || v <= 0 || v > max)
        throw UsageError(opt + " takes a positive number (got \"" + t + "\")");
    return v;
}

// The signals that end a capture arrive on an fd the capture loop watches, so it stops
// between two frames and never mid-write.
sys::Fd stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);  // `lab capture ... | head` ends with EPIPE, not a signal
    sys::Fd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) throw SystemError("signalfd", errno);
    return fd;
}

}  // namespace

int cmd_capture(const Argv& argv) {
    Args a = parse_args(argv, {"-w", "--write", "--count", "-c", "--timeout"}, {});
    if (a.pos.empty() || a.pos.size() > 2) throw UsageError(usage_line("capture"));
    std::string lab_name = a.pos.size() == 2 ? a.pos[0] : lab::resolve("");
    probe::CaptureOptions o;
    o.path = a.opt("-w", a.opt("--write"));
    std::string count = a.opt("--count", a.opt("-c"));
    if (!count.empty()) {
        std::size_t used = 0;
        try {
            o.count = std::stoul(count, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != count.size() || o.count == 0) throw UsageError("--count takes a positive whole number (got \"" + count + "\")");
    }
    if (a.opts.count("--timeout"))
        o.timeout = std::chrono::milliseconds(static_cast<long>(std::ceil(positive(a, "--timeout", 86400) * 1000)));

    lab::Lab l = lab::Lab::attach(lab_name);
    sys::Fd stop = stop_signals();
    probe::Capture cap = probe::Capture::open(l, a.pos.back());
    o.stop_fd = stop.get();
    const bool lines = o.path.empty();
    if (lines) o.on_packet = [](const probe::Packet& p) { std::cout << probe::format_packet(p) << std::endl; };
    // Said once the socket is bound: from this line on no frame is missed (scripts wait for it).
    std::cerr << "capturing on " << l.name() << " " << cap.endpoint()
              << (lines ? std::string() : " to " + (o.path == "-" ? std::string("standard output") : o.path)) << "\n";
    probe::CaptureStats st = probe::run_capture(cap, o);
    std::cerr << st.packets << (st.packets == 1 ? " packet" : " packets") << " captured";
    if (st.dropped) std::cerr << ", " << st.dropped << " dropped by the kernel (buffer full)";
    if (st.stopped_by == "node gone") std::cerr << "; the node is gone (the lab went down)";
    std::cerr << "\n";
    return 0;
}

}  // namespace nslab::cli
