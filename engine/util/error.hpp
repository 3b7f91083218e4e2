// Errors carry the operation, the errno and the kernel's own words, so the CLI and the
// bindings can tell a human exactly what failed without a debugger.
#pragma once

#include <stdexcept>
#include <string>

namespace nslab {

// A failed system call or kernel request. `op` says what we were doing ("create veth r1:eth1
// <-> r2:eth1"), `err` is the errno, `detail` the kernel's extended-ACK text when it gave one.
class SystemError : public std::runtime_error {
public:
    SystemError(std::string op, int err, std::string detail = {});
    const std::string& op() const noexcept { return op_; }
    int err() const noexcept { return err_; }
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string op_;
    int err_;
    std::string detail_;
};

// Throws SystemError(op, errno) when `rc` is negative; returns rc otherwise.
long check(long rc, const std::string& op);

// A user-facing failure that is not a syscall: a lab that does not exist, a node name that is
// wrong, a command that failed during `lab up`.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace nslab
