// A keeper's failure crosses to the client as one JSON line (lab/error_report): the client must
// throw the same type with the same text and every field, or the CLI and Python cannot say
// which node and which topology object failed.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "lab/error_report.hpp"
#include "netlink/netlink.hpp"
#include "util/error.hpp"
#include "view/describe.hpp"

namespace {

using namespace nslab;

// What the client gets: the report serialised and parsed again, as on the pipe.
template <class E>
E across_the_pipe(const std::exception& sent) {
    const auto line = lab::error_report(sent).dump();
    try {
        lab::throw_reported(nlohmann::json::parse(line));
    } catch (const E& e) {
        return e;
    } catch (const std::exception& e) {
        ADD_FAILURE() << "rethrown as another type: " << e.what();
    }
    throw std::logic_error("not rethrown");
}

const char* kRouteText =
    "node r1: add route 10.9.0.0/24 via 10.99.0.1 (/nodes/r1/routes/0): Network is unreachable (Nexthop has invalid gateway)";

NodeError route_refused() {
    return NodeError({"r1", "/nodes/r1/routes/0", "route r1 10.9.0.0/24", true},
                     "add route 10.9.0.0/24 via 10.99.0.1 (/nodes/r1/routes/0)", ENETUNREACH, "Nexthop has invalid gateway",
                     kRouteText);
}

TEST(ErrorReport, NodeErrorKeepsEveryField) {
    NodeError e = across_the_pipe<NodeError>(route_refused());
    EXPECT_STREQ(e.what(), kRouteText);
    EXPECT_EQ(e.node(), "r1");
    EXPECT_EQ(e.pointer(), "/nodes/r1/routes/0");
    EXPECT_EQ(e.step(), "route r1 10.9.0.0/24");
    EXPECT_TRUE(e.netlink());
    EXPECT_EQ(e.err(), ENETUNREACH);
    EXPECT_EQ(e.ext_ack(), "Nexthop has invalid gateway");
    EXPECT_EQ(e.op(), "add route 10.9.0.0/24 via 10.99.0.1 (/nodes/r1/routes/0)");
}

TEST(ErrorReport, InitFailureIsNotANetlinkRefusal) {
    NodeError sent({"h1", "/nodes/h1", "sethostname h1", false}, "sethostname h1", EPERM, "", "node h1: sethostname h1: Operation not permitted");
    NodeError e = across_the_pipe<NodeError>(sent);
    EXPECT_FALSE(e.netlink());
    EXPECT_EQ(e.node(), "h1");
    EXPECT_EQ(e.pointer(), "/nodes/h1");
    EXPECT_EQ(e.step(), "sethostname h1");
    EXPECT_EQ(e.err(), EPERM);
    EXPECT_EQ(e.ext_ack(), "");
    EXPECT_STREQ(e.what(), sent.what());
}

TEST(ErrorReport, NodeErrorIsASystemError) {
    // Every catch site written for SystemError still sees a build failure's errno.
    try {
        throw route_refused();
    } catch (const SystemError& e) {
        EXPECT_EQ(e.err(), ENETUNREACH);
        EXPECT_EQ(e.detail(), "Nexthop has invalid gateway");
        EXPECT_STREQ(e.what(), kRouteText);
    }
}

TEST(ErrorReport, OtherKindsKeepTheirType) {
    nl::NetlinkError n = across_the_pipe<nl::NetlinkError>(nl::NetlinkError("probe sch_netem", EOPNOTSUPP, "Unknown qdisc"));
    EXPECT_EQ(n.err(), EOPNOTSUPP);
    EXPECT_EQ(n.detail(), "Unknown qdisc");
    EXPECT_EQ(n.op(), "probe sch_netem");
    SystemError s = across_the_pipe<SystemError>(SystemError("signalfd", EMFILE));
    EXPECT_EQ(s.err(), EMFILE);
    EXPECT_STREQ(s.what(), SystemError("signalfd", EMFILE).what());
    Error x = across_the_pipe<Error>(Error("no lab named x"));
    EXPECT_STREQ(x.what(), "no lab named x");
    EXPECT_EQ(x.cause().node, "");
    // A plain SystemError is not a NodeError on the other side either.
    EXPECT_THROW(lab::throw_reported(lab::error_report(SystemError("poll", EINTR))), SystemError);
    try {
        lab::throw_reported(lab::error_report(SystemError("poll", EINTR)));
    } catch (const NodeError&) {
        ADD_FAILURE() << "a SystemError came back as a NodeError";
    } catch (const SystemError&) {
    }
}

TEST(ErrorReport, AnErrorKeepsItsCause) {
    // A failed exec command is no system call, but it too happened at a known node and step.
    Error x = across_the_pipe<Error>(
        Error("node h1: exec command 1 `false` exited with 1", {"h1", "/nodes/h1/exec/0", "exec h1 0"}));
    EXPECT_STREQ(x.what(), "node h1: exec command 1 `false` exited with 1");
    EXPECT_EQ(x.cause().node, "h1");
    EXPECT_EQ(x.cause().pointer, "/nodes/h1/exec/0");
    EXPECT_EQ(x.cause().step, "exec h1 0");
    auto j = view::describe_error(x)["error"];
    EXPECT_EQ(j["kind"], "error");
    EXPECT_EQ(j["node"], "h1");
    EXPECT_EQ(j["pointer"], "/nodes/h1/exec/0");
    EXPECT_EQ(j["step"], "exec h1 0");
}

TEST(ErrorReport, JsonOutputNamesTheCauseFromItsFields) {
    // What `lab up --json` prints: the fields, not a parse of the text.
    NodeError e({"r-1.x", "/nodes/r-1.x/routes/2", "route r-1.x 10.9.0.0/24", true}, "add route", ENETUNREACH, "Nexthop has invalid gateway",
                "a text that names no node");
    auto j = view::describe_error(e)["error"];
    EXPECT_EQ(j["kind"], "netlink");
    EXPECT_EQ(j["errno"], ENETUNREACH);
    EXPECT_EQ(j["errno_name"], "ENETUNREACH");
    EXPECT_EQ(j["node"], "r-1.x");
    EXPECT_EQ(j["pointer"], "/nodes/r-1.x/routes/2");
    EXPECT_EQ(j["step"], "route r-1.x 10.9.0.0/24");
    EXPECT_EQ(j["ext_ack"], "Nexthop has invalid gateway");
    auto k = view::describe_error(NodeError({"h1", "", "sysctls", false}, "sysctl x", EACCES, "", "t"))["error"];
    EXPECT_EQ(k["kind"], "system");
    EXPECT_EQ(k["node"], "h1");
    EXPECT_FALSE(k.contains("pointer"));
    // A message that merely mentions a node is not a cause.
    auto l = view::describe_error(Error("no node named r9 (the lab has node r1)"))["error"];
    EXPECT_FALSE(l.contains("node"));
    EXPECT_FALSE(l.contains("pointer"));
}

}  // namespace
