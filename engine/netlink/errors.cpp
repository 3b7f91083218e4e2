#include <cerrno>
#include <cstring>

#include "netlink/netlink.hpp"

namespace nslab::nl {

namespace {

// "<context>: <what>: <errno text> (<ext ack>)", the shape SystemError uses, with the context
// in front so a human sees which node or step the request belonged to.
std::string describe(const std::string& context, const Failure& f, std::size_t more) {
    std::string s = context.empty() ? std::string() : context + ": ";
    s += f.what + ": " + std::strerror(f.err);
    if (!f.ext_ack.empty()) s += " (" + f.ext_ack + ")";
    if (more == 1) s += " (and 1 more failure)";
    if (more > 1) s += " (and " + std::to_string(more) + " more failures)";
    return s;
}

const Failure& first_of(const std::vector<Failure>& failures) {
    static const Failure none{0, EIO, {}, "netlink request"};
    return failures.empty() ? none : failures.front();
}

}  // namespace

NetlinkError::NetlinkError(std::string what, int err, std::string ext_ack)
    : SystemError(what, err, ext_ack), failures_{Failure{0, err, std::move(ext_ack), std::move(what)}},
      text_(SystemError::what()) {}

NetlinkError::NetlinkError(std::string what, int err, std::string ext_ack, std::string text)
    : NetlinkError(std::move(what), err, std::move(ext_ack)) {
    text_ = std::move(text);
}

NetlinkError::NetlinkError(const std::string& context, std::vector<Failure> failures)
    : SystemError(first_of(failures).what, first_of(failures).err, first_of(failures).ext_ack),
      failures_(std::move(failures)),
      text_(describe(context, first_of(failures_), failures_.empty() ? 0 : failures_.size() - 1)) {}

}  // namespace nslab::nl
