// The pieces of `lab capture` that need no lab: the pcap headers byte by byte (libpcap's
// layout, nanosecond magic), a file the writer makes, and the one-line decode of frames built
// here by hand.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <string>

#include "net/decode.hpp"
#include "probe/pcap.hpp"
#include "sys/files.hpp"

namespace {

using namespace nslab;

std::uint32_t u32(const std::string& s, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, s.data() + at, 4);
    return v;
}
std::uint16_t u16(const std::string& s, std::size_t at) {
    std::uint16_t v;
    std::memcpy(&v, s.data() + at, 2);
    return v;
}

std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int x : b) s.push_back(static_cast<char>(x));
    return s;
}

// Ethernet header to broadcast from 02:00:00:00:00:01 with `type`.
std::string ether(int type) {
    return bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, type >> 8, type & 0xff});
}

std::string ipv4(int proto, std::string payload) {
    int total = 20 + static_cast<int>(payload.size());
    return bytes({0x45, 0, total >> 8, total & 0xff, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 12, 1, 10, 0, 12, 2}) + payload;
}

TEST(Pcap, FileHeaderIsLibpcapsLayout) {
    std::string h = probe::pcap_file_header();
    ASSERT_EQ(h.size(), 24u);
    EXPECT_EQ(u32(h, 0), 0xa1b23c4du);  // nanosecond timestamps
    EXPECT_EQ(u16(h, 4), 2);
    EXPECT_EQ(u16(h, 6), 4);
    EXPECT_EQ(u32(h, 8), 0u);
    EXPECT_EQ(u32(h, 12), 0u);
    EXPECT_EQ(u32(h, 16), 262144u);
    EXPECT_EQ(u32(h, 20), 1u);  // LINKTYPE_ETHERNET
}

TEST(Pcap, RecordHeaderAndFile) {
    std::string r = probe::pcap_record_header(1700000000, 123456789, 60, 1514);
    ASSERT_EQ(r.size(), 16u);
    EXPECT_EQ(u32(r, 0), 1700000000u);
    EXPECT_EQ(u32(r, 4), 123456789u);
    EXPECT_EQ(u32(r, 8), 60u);
    EXPECT_EQ(u32(r, 12), 1514u);

    std::string path = "/tmp/nslab-unit-" + std::to_string(::getpid()) + ".pcap";
    {
        probe::PcapWriter w(path);
        w.write(5, 7, std::string(60, 'x'), 60);
        w.write(6, 8, std::string(10, 'y'), 99);
    }
    std::string f = sys::read_file(path);
    ::unlink(path.c_str());
    ASSERT_EQ(f.size(), 24u + 16 + 60 + 16 + 10);
    EXPECT_EQ(u32(f, 24), 5u);
    EXPECT_EQ(u32(f, 24 + 8), 60u);
    EXPECT_EQ(u32(f, 24 + 16 + 60 + 12), 99u);  // orig_len of the cut frame
    EXPECT_EQ(f.substr(f.size() - 10), std::string(10, 'y'));
}

TEST(Decode, IcmpEcho) {
    std::string icmp = bytes({8, 0, 0, 0, 0, 7, 0, 1});
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + ipv4(1, icmp)), "IPv4 10.0.12.1 > 10.0.12.2 ICMP echo request id 7 seq 1");
    icmp[0] = 0;
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + ipv4(1, icmp)), "IPv4 10.0.12.1 > 10.0.12.2 ICMP echo reply id 7 seq 1");
}

TEST(Decode, TcpUdpOspfAndOthers) {
    std::string tcp = bytes({0x04, 0xd2, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x12, 0, 0, 0, 0, 0, 0});
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + ipv4(6, tcp)), "IPv4 10.0.12.1 > 10.0.12.2 TCP 1234 > 80 [SA]");
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + ipv4(17, bytes({0, 53, 0x30, 0x39, 0, 8, 0, 0}))),
              "IPv4 10.0.12.1 > 10.0.12.2 UDP 53 > 12345");
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + ipv4(89, "")), "IPv4 10.0.12.1 > 10.0.12.2 OSPF");
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + ipv4(47, "")), "IPv4 10.0.12.1 > 10.0.12.2 proto 47");
    EXPECT_EQ(net::summarize_frame(ether(0x88cc)), "ethertype 0x88cc 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff");
    EXPECT_EQ(net::summarize_frame("short"), "(truncated frame)");
    EXPECT_EQ(net::summarize_frame(ether(0x0800) + bytes({0x45, 0})), "IPv4 (truncated)");
}

TEST(Decode, Arp) {
    std::string arp = bytes({0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 12, 1, 0, 0, 0, 0, 0, 0, 10, 0, 12, 2});
    EXPECT_EQ(net::summarize_frame(ether(0x0806) + arp), "ARP who-has 10.0.12.2 tell 10.0.12.1");
    arp[7] = 2;
    EXPECT_EQ(net::summarize_frame(ether(0x0806) + arp), "ARP reply 10.0.12.1 is-at 02:00:00:00:00:01");
}

TEST(Decode, Ipv6WithHopByHopAndIcmpv6) {
    std::string src = bytes({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    std::string dst = bytes({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16});
    auto v6 = [&](int next, const std::string& payload) {
        int n = static_cast<int>(payload.size());
        return bytes({0x60, 0, 0, 0, n >> 8, n & 0xff, next, 1}) + src + dst + payload;
    };
    std::string echo = bytes({128, 0, 0, 0, 0, 3, 0, 9});
    EXPECT_EQ(net::summarize_frame(ether(0x86dd) + v6(58, echo)), "IPv6 fe80::1 > ff02::16 ICMPv6 echo request id 3 seq 9");
    // An MLDv2 report behind a hop-by-hop header (router alert).
    std::string hbh = bytes({58, 0, 5, 2, 0, 0, 1, 0});
    EXPECT_EQ(net::summarize_frame(ether(0x86dd) + v6(0, hbh + bytes({143, 0, 0, 0, 0, 0, 0, 0}))),
              "IPv6 fe80::1 > ff02::16 ICMPv6 MLDv2 report");
    EXPECT_EQ(net::summarize_frame(ether(0x8100) + bytes({0, 5, 0x86, 0xdd}) + v6(58, echo)),
              "vlan 5 IPv6 fe80::1 > ff02::16 ICMPv6 echo request id 3 seq 9");
}

}  // namespace
