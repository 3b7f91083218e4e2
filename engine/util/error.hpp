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

protected:
    // With what() given whole, for an error whose text was composed elsewhere (with context in
    // front, or in another process).
    SystemError(std::string op, int err, std::string detail, const std::string& text);

private:
    std::string op_;
    int err_;
    std::string detail_;
};

// Where in a lab a failure happened. Every field may be empty when it is not known.
struct Cause {
    std::string node;     // the node's name ("" for the impairment namespace)
    std::string pointer;  // JSON pointer into the topology ("/nodes/r1/routes/0")
    std::string step;     // a plan step id ("route r1 10.9.0.0/24") or an init's step ("sysctls")
    // The kernel refused a netlink request: the faces still show it as a netlink error
    // (Python's NetlinkError), not as a failed system call.
    bool netlink = false;
};

// A failure at a known node and step of a lab. The init, the keeper and the client each hand it
// on with every field, so the CLI and Python name the node and the topology object without
// reading them back out of the text. A SystemError, so every existing catch site still sees
// the errno and the kernel's words; what() keeps the text a human read before
// ("node r1: add route ...: Network is unreachable (Nexthop has invalid gateway)").
class NodeError : public SystemError {
public:
    NodeError(Cause cause, std::string op, int err, std::string ext_ack, const std::string& text);
    const Cause& cause() const noexcept { return cause_; }
    const std::string& node() const noexcept { return cause_.node; }
    const std::string& pointer() const noexcept { return cause_.pointer; }
    const std::string& step() const noexcept { return cause_.step; }
    bool netlink() const noexcept { return cause_.netlink; }
    const std::string& ext_ack() const noexcept { return detail(); }

private:
    Cause cause_;
};

// Throws SystemError(op, errno) when `rc` is negative; returns rc otherwise.
long check(long rc, const std::string& op);

// A user-facing failure that is not a syscall: a lab that does not exist, a node name that is
// wrong, a command that failed during `lab up`. One at a known place of a lab (an exec command
// that failed, a rootfs refused) carries its cause, as a NodeError does.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    Error(const std::string& what, Cause cause) : std::runtime_error(what), cause_(std::move(cause)) {}
    const Cause& cause() const noexcept { return cause_; }

private:
    Cause cause_;
};

}  // namespace nslab
