#include "util/error.hpp"

#include <cerrno>
#include <cstring>

namespace nslab {

namespace {
std::string compose(const std::string& op, int err, const std::string& detail) {
    std::string s = op + ": " + std::strerror(err);
    if (!detail.empty()) s += " (" + detail + ")";
    return s;
}
}  // namespace

SystemError::SystemError(std::string op, int err, std::string detail)
    : std::runtime_error(compose(op, err, detail)), op_(std::move(op)), err_(err), detail_(std::move(detail)) {}

SystemError::SystemError(std::string op, int err, std::string detail, const std::string& text)
    : std::runtime_error(text), op_(std::move(op)), err_(err), detail_(std::move(detail)) {}

NodeError::NodeError(Cause cause, std::string op, int err, std::string ext_ack, const std::string& text)
    : SystemError(std::move(op), err, std::move(ext_ack), text), cause_(std::move(cause)) {}

long check(long rc, const std::string& op) {
    if (rc < 0) throw SystemError(op, errno);
    return rc;
}

}  // namespace nslab
