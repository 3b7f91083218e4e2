// One line about an Ethernet frame, the way `tcpdump -n` would put it briefly: ARP, IPv4 and
// IPv6 with ICMP, ICMPv6, TCP, UDP and OSPF named, anything else by its type or protocol
// number. For `lab capture` without -w and the Python capture's packet list. Pure code.
#pragma once

#include <string>
#include <string_view>

namespace nslab::net {

// "IPv4 10.0.12.1 > 10.0.12.2 ICMP echo request id 7 seq 1", "ARP who-has 10.0.12.2 tell
// 10.0.12.1", "IPv6 fe80::1 > ff02::5 OSPF"; a truncated frame says so.
std::string summarize_frame(std::string_view frame);

}  // namespace nslab::net
