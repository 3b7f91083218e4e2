// Every example topology comes up, is pingable end to end, and goes down without a trace.
#include <fstream>

#include "harness.hpp"
#include "sys/files.hpp"

namespace nslab::test {

class Example : public LabTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(Example, UpPingAllDown) {
    lab::UpOptions o;
    o.name = "ex-" + GetParam().substr(0, GetParam().find('.'));
    lab::Lab l = lab::Lab::up_file(topology(GetParam()), o);
    // ospf-line has no static routes: OSPF is to route it (the FRR tests do); here each
    // router must reach its neighbours.
    auto failures = ping_all(l, /*neighbours_only=*/GetParam() == "ospf-line.json");
    std::string all;
    for (auto& f : failures) all += f + "\n";
    EXPECT_TRUE(failures.empty()) << "unreachable:\n" << all;
    l.down();
}

INSTANTIATE_TEST_SUITE_P(Topologies, Example,
                         ::testing::Values("line.json", "star.json", "triangle.json", "dual-stack.json",
                                           "addressing.json", "ospf-line.json"),
                         [](const auto& info) {
                             std::string s = info.param.substr(0, info.param.find('.'));
                             for (auto& c : s) if (c == '-') c = '_';
                             return s;
                         });

}  // namespace nslab::test
