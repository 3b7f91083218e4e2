#include "impair/frame.hpp"

#include <algorithm>
#include <cstring>

namespace nslab::impair {

namespace {

// struct virtio_net_hdr and its constants from <linux/virtio_net.h>, which C++ cannot include
// (a member there is named `class`).
struct virtio_net_hdr {
    std::uint8_t flags, gso_type;
    std::uint16_t hdr_len, gso_size, csum_start, csum_offset;
};
static_assert(sizeof(virtio_net_hdr) == kVnetHdrLen);
constexpr std::uint8_t VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
constexpr std::uint8_t VIRTIO_NET_HDR_GSO_NONE = 0, VIRTIO_NET_HDR_GSO_UDP = 3, VIRTIO_NET_HDR_GSO_ECN = 0x80;

virtio_net_hdr header(const std::vector<std::uint8_t>& pkt) {
    virtio_net_hdr h{};
    if (pkt.size() >= kVnetHdrLen) std::memcpy(&h, pkt.data(), kVnetHdrLen);
    return h;
}

// RFC 1071 over `len` bytes; the field being filled holds the pseudo-header sum already.
std::uint16_t inet_checksum(const std::uint8_t* p, std::size_t len) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < len; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (len & 1) sum += static_cast<std::uint32_t>(p[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

}  // namespace

std::size_t wire_length(const std::vector<std::uint8_t>& pkt) {
    if (pkt.size() < kVnetHdrLen) return pkt.size();
    std::size_t len = pkt.size() - kVnetHdrLen;
    virtio_net_hdr h = header(pkt);
    if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE || h.gso_size == 0) return len;
    // Headers end where the L4 header ends: csum_start plus the TCP data offset (UDP: 8).
    std::size_t hdr = h.csum_start;
    std::size_t l4 = kVnetHdrLen + h.csum_start;
    if ((h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_UDP || l4 + 12 >= pkt.size()) hdr += 8;
    else hdr += static_cast<std::size_t>(pkt[l4 + 12] >> 4) * 4;
    if (hdr >= len) return len;
    std::size_t segs = (len - hdr + h.gso_size - 1) / h.gso_size;
    return len + (segs > 0 ? segs - 1 : 0) * hdr;
}

void insert_vlan_tag(std::vector<std::uint8_t>& pkt, std::uint16_t tpid, std::uint16_t tci) {
    constexpr std::size_t kMacs = 12;
    if (pkt.size() < kVnetHdrLen + kMacs) return;
    const std::uint8_t tag[4] = {static_cast<std::uint8_t>(tpid >> 8), static_cast<std::uint8_t>(tpid),
                                 static_cast<std::uint8_t>(tci >> 8), static_cast<std::uint8_t>(tci)};
    pkt.insert(pkt.begin() + kVnetHdrLen + kMacs, std::begin(tag), std::end(tag));
    // Offsets in the header count from the frame's start: everything past the MACs moved by 4.
    virtio_net_hdr h = header(pkt);
    if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) h.csum_start = static_cast<std::uint16_t>(h.csum_start + sizeof tag);
    if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE && h.hdr_len) h.hdr_len = static_cast<std::uint16_t>(h.hdr_len + sizeof tag);
    std::memcpy(pkt.data(), &h, kVnetHdrLen);
}

void corrupt_frame(std::vector<std::uint8_t>& pkt, Rng& rng) {
    if (pkt.size() <= kVnetHdrLen) return;
    virtio_net_hdr h = header(pkt);
    std::size_t frame_len = pkt.size() - kVnetHdrLen;
    std::size_t span = frame_len;
    bool gso = h.gso_type != VIRTIO_NET_HDR_GSO_NONE;
    if (gso) {
        span = std::min<std::size_t>(h.csum_start ? h.csum_start : frame_len, frame_len);
    } else if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        std::size_t start = kVnetHdrLen + h.csum_start, field = start + h.csum_offset;
        if (field + 2 <= pkt.size()) {
            std::uint16_t c = inet_checksum(pkt.data() + start, pkt.size() - start);
            pkt[field] = static_cast<std::uint8_t>(c >> 8);
            pkt[field + 1] = static_cast<std::uint8_t>(c & 0xff);
            h.flags = 0;  // complete now: the receiver verifies it (CHECKSUM_NONE)
            std::memcpy(pkt.data(), &h, kVnetHdrLen);
        }
    }
    if (span == 0) return;
    std::size_t at = kVnetHdrLen + std::uniform_int_distribution<std::size_t>(0, span - 1)(rng);
    pkt[at] ^= static_cast<std::uint8_t>(1u << std::uniform_int_distribution<int>(0, 7)(rng));
}

}  // namespace nslab::impair
