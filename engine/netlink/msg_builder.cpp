#include "netlink/msg_builder.hpp"

#include <cstring>
#include <stdexcept>

namespace nslab::nl::detail {

namespace {
// Our largest message (a veth pair with both ends' attributes) is a few hundred bytes.
constexpr std::size_t kMaxMessage = 4096;

[[noreturn]] void overflow() { throw std::length_error("netlink message exceeds " + std::to_string(kMaxMessage) + " bytes"); }
}  // namespace

MsgBuilder::MsgBuilder(std::uint16_t type, std::uint16_t flags) : buf_(kMaxMessage) {
    nlh_ = mnl_nlmsg_put_header(buf_.data());
    nlh_->nlmsg_type = type;
    nlh_->nlmsg_flags = flags;
}

void* MsgBuilder::extra_bytes(std::size_t len) {
    if (nlh_->nlmsg_len + MNL_ALIGN(len) > buf_.size()) overflow();
    return mnl_nlmsg_put_extra_header(nlh_, len);
}

void MsgBuilder::u32(std::uint16_t type, std::uint32_t value) {
    if (!mnl_attr_put_u32_check(nlh_, buf_.size(), type, value)) overflow();
}

void MsgBuilder::strz(std::uint16_t type, const std::string& value) {
    if (!mnl_attr_put_strz_check(nlh_, buf_.size(), type, value.c_str())) overflow();
}

void MsgBuilder::bytes(std::uint16_t type, const void* data, std::size_t len) {
    if (!mnl_attr_put_check(nlh_, buf_.size(), type, len, data)) overflow();
}

nlattr* MsgBuilder::nest_start(std::uint16_t type) {
    nlattr* nest = mnl_attr_nest_start_check(nlh_, buf_.size(), type);
    if (!nest) overflow();
    return nest;
}

void MsgBuilder::nest_end(nlattr* nest) { mnl_attr_nest_end(nlh_, nest); }

Message MsgBuilder::finish(std::string what) const {
    Message m;
    m.bytes.assign(buf_.data(), buf_.data() + nlh_->nlmsg_len);
    m.what = std::move(what);
    return m;
}

}  // namespace nslab::nl::detail
