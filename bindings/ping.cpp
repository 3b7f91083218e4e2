// Reachability for nslab.ping: the engine measures (probe::ping_all, with the neighbour-table
// overflows counted around the run) and writes the text (view::ping_report_text); this file
// only turns them into tuples and strings.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <optional>
#include <tuple>

#include "probe/ping.hpp"
#include "util/error.hpp"
#include "view/probe_text.hpp"

namespace py = pybind11;
using namespace nslab;

namespace {

using Row = std::tuple<std::string, std::string, std::string, bool, double>;  // PingResult's fields

probe::PingOptions options(double timeout) {
    probe::PingOptions o;
    o.timeout = std::chrono::milliseconds(static_cast<long>(timeout * 1000));
    return o;
}

}  // namespace

void bind_ping(py::module_& m) {
    m.def(
        "ping_all",
        [](const lab::Lab& l, int family, double timeout) {
            std::optional<net::Family> fam;
            if (family == 4) fam = net::Family::V4;
            if (family == 6) fam = net::Family::V6;
            probe::PingReport r;
            {
                py::gil_scoped_release nogil;
                r = probe::ping_all(l, fam, options(timeout));
            }
            py::list rows;
            for (const auto& o : r.outcomes)
                rows.append(py::make_tuple(o.target.src_node, o.target.dst_node, o.target.addr.addr_str(), o.ok, o.rtt_ms));
            return py::make_tuple(rows, r.neighbour_overflows);
        },
        py::arg("lab"), py::arg("family") = 0, py::arg("timeout") = 2.0);
    m.def(
        "ping",
        // `dst`: a node (pinged where `lab ping` pings it) or an address.
        [](const lab::Lab& l, const std::string& src, const std::string& dst, double timeout) {
            py::gil_scoped_release nogil;
            auto out = probe::ping(l, {probe::ping_target(l, src, dst)}, options(timeout));
            return !out.empty() && out[0].ok;
        },
        py::arg("lab"), py::arg("src"), py::arg("dst"), py::arg("timeout") = 2.0);
    // str(PingMatrix), from its rows: a matrix made in Python (or pickled) prints as one the
    // engine measured, and as `lab pingall` does.
    m.def(
        "ping_text",
        [](const std::vector<Row>& rows, std::uint64_t overflows) {
            probe::PingReport r;
            r.neighbour_overflows = overflows;
            for (const auto& [src, dst, addr, ok, rtt] : rows) {
                // Rows made by hand may carry anything as the address: shown as given.
                auto a = net::Prefix::parse_addr(addr);
                probe::PingTarget t{src, dst, a.value_or(net::Prefix{})};
                if (!a && dst.empty()) t.dst_node = addr;
                r.outcomes.push_back({t, ok, rtt});
            }
            return view::ping_report_text(r);
        },
        py::arg("rows"), py::arg("neighbour_overflows") = 0);
}
