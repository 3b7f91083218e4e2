// Packet capture for Python (probe/capture.hpp): open binds the socket at once, so nothing the
// test does afterwards is missed; run reads frames without the GIL until the count, the
// timeout or the stop fd, and hands them over in one list.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "probe/capture.hpp"
#include "net/decode.hpp"

namespace py = pybind11;
using namespace nslab;

void bind_capture(py::module_& m) {
    py::class_<probe::Capture>(m, "CaptureHandle")
        .def_property_readonly("endpoint", &probe::Capture::endpoint)
        // -> ([(time, length, outgoing, data, summary)], dropped, stopped_by)
        .def("run",
             [](probe::Capture& c, const std::string& path, std::size_t count, std::optional<double> timeout,
                int stop_fd, bool keep) {
                 probe::CaptureOptions o;
                 o.path = path;
                 o.count = count;
                 if (timeout) o.timeout = std::chrono::milliseconds(static_cast<long>(*timeout * 1000));
                 o.stop_fd = stop_fd;
                 std::vector<probe::Packet> got;
                 // Without keep the frames only go to the file: a long capture must not grow memory.
                 if (keep) o.on_packet = [&](const probe::Packet& p) { got.push_back(p); };
                 probe::CaptureStats st;
                 {
                     py::gil_scoped_release nogil;
                     st = probe::run_capture(c, o);
                 }
                 py::list packets;
                 for (const auto& p : got)
                     packets.append(py::make_tuple(static_cast<double>(p.sec) + p.nsec / 1e9, p.length, p.outgoing,
                                                   py::bytes(p.data), net::summarize_frame(p.data)));
                 return py::make_tuple(packets, st.dropped, st.stopped_by);
             },
             py::arg("path") = "", py::arg("count") = 0, py::arg("timeout") = py::none(), py::arg("stop_fd") = -1, py::arg("keep") = true);
    m.def(
        "capture_open",
        [](const lab::Lab& l, const std::string& endpoint) {
            py::gil_scoped_release nogil;
            return probe::Capture::open(l, endpoint);
        },
        py::arg("lab"), py::arg("endpoint"));
    m.def("summarize_frame", [](const py::bytes& frame) { return net::summarize_frame(std::string(frame)); });
}
