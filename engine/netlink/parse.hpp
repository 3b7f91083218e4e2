// Private: pure parsers for what the kernel sends back (acks, errors, dump entries), kept apart
// from the socket so unit tests can feed them hand-made bytes.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>

#include "netlink/netlink.hpp"

namespace nslab::nl::detail {

// An NLMSG_ERROR (err = 0: ack) or the status of an NLMSG_DONE, with the extended-ACK text.
struct Status {
    std::uint32_t seq = 0;
    int err = 0;                  // positive errno, 0 for success
    std::string ext_ack;          // NLMSGERR_ATTR_MSG, may be empty
};

// NLMSG_ERROR; nullopt when the message is too short to be one.
std::optional<Status> parse_error(const nlmsghdr* nlh);
// NLMSG_DONE ending a dump: its payload is an int status, then ext-ack TLVs when flagged.
Status parse_done(const nlmsghdr* nlh);

// RTM_NEWLINK / RTM_NEWADDR / RTM_NEWROUTE dump entries; nullopt for malformed messages and,
// for routes, for entries outside the main table, local/broadcast routes and cache clones.
std::optional<LinkInfo> parse_link(const nlmsghdr* nlh);
std::optional<AddrInfo> parse_addr(const nlmsghdr* nlh);
std::optional<RouteInfo> parse_route(const nlmsghdr* nlh);

// CTRL_ATTR_FAMILY_ID of a generic netlink controller's reply; nullopt when it has none.
std::optional<std::uint16_t> parse_family_id(const nlmsghdr* nlh);

// The calling thread's receive buffer, shared by its sockets (each use drains it).
std::vector<std::uint8_t>& rx_buffer();

}  // namespace nslab::nl::detail
