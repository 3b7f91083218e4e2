// Starting a process inside a node. The caller may be multi-threaded (the Python interpreter),
// and a multi-threaded process may not setns into a mount namespace, so: fork an intermediate,
// which enters the node's namespaces through the init's pidfd and clones the real process with
// CLONE_PARENT (so it is the caller's own child, inside the node's PID namespace), then exits.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "sys/fd.hpp"

namespace nslab::exec {

struct SpawnSpec {
    std::vector<std::string> argv;      // argv[0] is looked up in PATH (from env) if it has no '/'
    std::vector<std::string> env;       // the complete environment, "KEY=VALUE"
    std::string cwd;                    // "" = the caller's; "/" when the node cannot see it
    bool cwd_required = false;          // the node must have `cwd`: fail rather than start in "/"
    int in = -1, out = -1, err = -1;    // -1 = inherit the caller's
    bool new_session = true;            // setsid: the process leads a group a timeout can kill
    bool controlling_tty = false;       // with new_session: stdin (a pty) becomes its terminal
};

struct Child {
    pid_t pid = 0;
    sys::Fd pidfd;
};

// init_pidfd -1: a process of the caller's own machine (ssh to another's), in no node.
// Throws SystemError for setns/exec failures ("exec vtysh in r1: No such file or directory").
Child spawn(int init_pidfd, unsigned long ns_flags, const SpawnSpec& spec, const std::string& where);

// Waits (reaping) and returns the exit code, or 128+signal.
int wait(Child& c);

}  // namespace nslab::exec
