// Frames as the userspace impairment path reads them from AF_PACKET with PACKET_VNET_HDR: a
// struct virtio_net_hdr, then the Ethernet frame. The header carries what the kernel would
// otherwise lose between the two veth ends: checksums still to be filled in (CHECKSUM_PARTIAL)
// and segmentation offload (a TSO burst arrives as one large frame).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "impair/queue.hpp"

namespace nslab::impair {

constexpr std::size_t kVnetHdrLen = 10;  // sizeof(struct virtio_net_hdr)

// Bytes this frame puts on a wire, as the kernel's qdisc_pkt_len_init() counts a GSO burst:
// its length plus one set of headers for each segment after the first.
std::size_t wire_length(const std::vector<std::uint8_t>& pkt);

// Puts a VLAN tag (`tpid` 0x8100 or 0x88a8, `tci`) back into the frame after its MAC
// addresses. A veth hands a tagged frame over with the tag beside it (the skb's accelerated VLAN
// tag), so AF_PACKET reads it untagged and tells the tag only in PACKET_AUXDATA; sent on
// without it, a bridge trunk's frame would land in the far port's untagged VLAN.
void insert_vlan_tag(std::vector<std::uint8_t>& pkt, std::uint16_t tpid, std::uint16_t tci);

// Flips one random bit, as netem's corrupt does. A pending checksum is completed first, so the
// receiver checks it against the damaged bytes and drops the frame as a real NIC would. In a
// GSO burst the bit lands in the headers (its checksums are computed after segmentation).
void corrupt_frame(std::vector<std::uint8_t>& pkt, Rng& rng);

}  // namespace nslab::impair
