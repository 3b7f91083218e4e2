// Packet capture on one interface of a running node: an AF_PACKET socket made inside the
// node's network namespace (it keeps working from the caller's own namespace), written as a
// pcap file any Wireshark or tcpdump opens and/or handed over packet by packet.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "lab/lab.hpp"
#include "sys/fd.hpp"

namespace nslab::probe {

struct Packet {
    std::int64_t sec = 0;       // capture time, UTC
    std::uint32_t nsec = 0;
    std::uint32_t length = 0;   // on the wire (data may be shorter)
    bool outgoing = false;      // sent by the node rather than received
    std::string data;           // the frame from its Ethernet header on
};

// "12:34:56.789012 out  98 IPv4 10.0.12.1 > 10.0.12.2 ICMP echo request id 7 seq 1"
// (local time; the summary is net::summarize_frame's).
std::string format_packet(const Packet& p);

class Capture {
public:
    // Opens the socket in NODE's namespace, bound to IFACE of "NODE:IFACE" (any interface the
    // node has: a link's end, lo, a switch's bridge). From here on the kernel queues every
    // frame the interface sends or receives until it is read. nslab::Error names the node's
    // interfaces when IFACE is not one of them.
    static Capture open(const lab::Lab& lab, const std::string& endpoint);

    // The next frame, or nullopt when `timeout_ms` (-1: none) passes, `stop_fd` (-1: none)
    // becomes readable or the node goes away (node_gone()) first.
    std::optional<Packet> next(int timeout_ms, int stop_fd = -1);
    // The node's init has exited (the lab went down). The socket would keep the node's
    // namespace and its interfaces alive, so a capture ends here.
    bool node_gone() const { return node_gone_; }
    // Frames the kernel dropped because the socket's buffer was full, since the last call.
    std::uint64_t dropped();
    const std::string& endpoint() const { return endpoint_; }

private:
    Capture() = default;
    sys::Fd fd_;
    sys::Fd node_;  // pidfd of the node's init
    bool node_gone_ = false;
    std::string endpoint_;
    std::string buf_;
};

struct CaptureOptions {
    std::string path;                                // pcap file ("-": standard output); "": none
    std::size_t count = 0;                           // stop after this many frames (0: no limit)
    std::optional<std::chrono::milliseconds> timeout;  // stop after this long
    int stop_fd = -1;                                // stop as soon as this fd is readable
    std::function<void(const Packet&)> on_packet;    // each frame, after it was written
};

struct CaptureStats {
    std::size_t packets = 0;
    std::uint64_t dropped = 0;
    std::string stopped_by;      // "count", "timeout", "stop" or "node gone"
};

// Reads frames until the count, the timeout or the stop fd; every frame is in the file when
// its on_packet runs, and the file is a complete pcap whenever this returns or throws.
CaptureStats run_capture(Capture& cap, const CaptureOptions& opts);

}  // namespace nslab::probe
