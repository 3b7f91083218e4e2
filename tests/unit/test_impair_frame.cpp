// The userspace impairment path's frame surgery: a VLAN tag the veth handed over beside the
// frame (PACKET_AUXDATA) goes back between the MAC addresses and the EtherType, and the
// virtio_net_hdr offsets that count from the frame's start move with it.
#include <gtest/gtest.h>

#include <cstring>

#include "impair/frame.hpp"

namespace {

using nslab::impair::kVnetHdrLen;

struct VnetHdr {
    std::uint8_t flags, gso_type;
    std::uint16_t hdr_len, gso_size, csum_start, csum_offset;
};

std::vector<std::uint8_t> frame(const VnetHdr& h) {
    std::vector<std::uint8_t> pkt(kVnetHdrLen);
    std::memcpy(pkt.data(), &h, kVnetHdrLen);
    for (std::uint8_t b = 1; b <= 12; ++b) pkt.push_back(b);  // destination and source MAC
    for (std::uint8_t b : {0x08, 0x00, 0x45, 0x00}) pkt.push_back(b);  // IPv4 follows
    return pkt;
}

VnetHdr header_of(const std::vector<std::uint8_t>& pkt) {
    VnetHdr h;
    std::memcpy(&h, pkt.data(), kVnetHdrLen);
    return h;
}

}  // namespace

TEST(ImpairFrame, VlanTagGoesBackAfterTheMacs) {
    auto pkt = frame({0, 0, 0, 0, 0, 0});
    nslab::impair::insert_vlan_tag(pkt, 0x8100, 0x2014);
    ASSERT_EQ(pkt.size(), kVnetHdrLen + 20);
    const std::uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0x20, 0x14, 0x08, 0x00, 0x45, 0x00};
    EXPECT_EQ(std::memcmp(pkt.data() + kVnetHdrLen, want, sizeof want), 0);
    EXPECT_EQ(header_of(pkt).csum_start, 0);
}

TEST(ImpairFrame, PendingChecksumAndGsoHeadersMoveWithTheTag) {
    // NEEDS_CSUM, TCPv4 GSO: the L4 header starts 34 bytes in, the headers end at 66.
    auto pkt = frame({1, 1, 66, 1448, 34, 16});
    nslab::impair::insert_vlan_tag(pkt, 0x88a8, 5);
    const VnetHdr h = header_of(pkt);
    EXPECT_EQ(h.csum_start, 38);
    EXPECT_EQ(h.hdr_len, 70);
    EXPECT_EQ(h.csum_offset, 16);
    EXPECT_EQ(h.gso_size, 1448);
    EXPECT_EQ(pkt[kVnetHdrLen + 12], 0x88);
    EXPECT_EQ(pkt[kVnetHdrLen + 13], 0xa8);
}
