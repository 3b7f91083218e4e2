// Private: a thin layer over libmnl's message construction that checks bounds, so a long name
// from a topology becomes an exception rather than a buffer overrun.
#pragma once

#include <libmnl/libmnl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "netlink/netlink.hpp"

namespace nslab::nl::detail {

class MsgBuilder {
public:
    MsgBuilder(std::uint16_t type, std::uint16_t flags);
    MsgBuilder(const MsgBuilder&) = delete;
    MsgBuilder& operator=(const MsgBuilder&) = delete;

    // A zeroed struct appended at the tail: the family header right after nlmsghdr, or a
    // header inside a nest (the veth peer's ifinfomsg).
    template <class T>
    T& extra() {
        return *static_cast<T*>(extra_bytes(sizeof(T)));
    }

    void u32(std::uint16_t type, std::uint32_t value);
    void strz(std::uint16_t type, const std::string& value);
    void bytes(std::uint16_t type, const void* data, std::size_t len);
    nlattr* nest_start(std::uint16_t type);
    void nest_end(nlattr* nest);

    nlmsghdr* header() { return nlh_; }
    Message finish(std::string what) const;

private:
    void* extra_bytes(std::size_t len);

    std::vector<std::uint8_t> buf_;  // fixed size: nlh_ points into it
    nlmsghdr* nlh_;
};

}  // namespace nslab::nl::detail
