// The `_nslab` extension: the engine's Lab, exec, inspect, links and ping, exposed as plain
// values. Every call that waits on the kernel or a child releases the GIL. Engine exceptions
// become the `nslab.errors` classes at this edge.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>

#include "exec/run.hpp"
#include "lab/impair.hpp"
#include "impair/spec.hpp"
#include "probe/inspect.hpp"
#include "lab/lab.hpp"
#include "lab/daemons.hpp"
#include "lab/links.hpp"
#include "lab/node_pids.hpp"
#include "netlink/netlink.hpp"
#include "topology/model.hpp"
#include "util/error.hpp"
#include "view/probe_text.hpp"

namespace py = pybind11;
using namespace nslab;

void bind_capture(py::module_& m);   // capture.cpp
void bind_describe(py::module_& m);  // describe.cpp
void bind_ping(py::module_& m);      // ping.cpp

namespace {

py::object errors(const char* cls) { return py::module_::import("nslab.errors").attr(cls); }

void translate(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const topo::TopologyError& e) {
        py::list issues;
        for (const auto& i : e.issues()) issues.append(py::make_tuple(i.pointer, i.message));
        PyErr_SetObject(errors("TopologyError").ptr(), py::make_tuple(std::string(e.what()), issues).ptr());
    } catch (const NodeError& e) {
        // A failure at a known node and step of a lab: the kernel's refusal of a netlink
        // request stays a NetlinkError, anything else is a KernelError; both know where.
        if (e.netlink())
            PyErr_SetObject(errors("NetlinkError").ptr(), py::make_tuple(e.err(), std::string(e.what()), e.ext_ack(), e.op(),
                                                                         e.node(), e.pointer(), e.step()).ptr());
        else
            PyErr_SetObject(errors("KernelError").ptr(),
                            py::make_tuple(e.err(), std::string(e.what()), e.node(), e.pointer(), e.step()).ptr());
    } catch (const nl::NetlinkError& e) {
        PyErr_SetObject(errors("NetlinkError").ptr(),
                        py::make_tuple(e.err(), std::string(e.what()), e.detail(), e.op()).ptr());
    } catch (const SystemError& e) {
        PyErr_SetObject(errors("KernelError").ptr(), py::make_tuple(e.err(), std::string(e.what())).ptr());
    } catch (const Error& e) {
        const Cause& c = e.cause();
        PyErr_SetObject(errors("LabError").ptr(), py::make_tuple(std::string(e.what()), c.node, c.pointer, c.step).ptr());
    }
}

py::dict node_dict(const lab::Lab& l, const topo::Node& n) {
    py::dict d;
    d["name"] = n.name;
    d["kind"] = topo::to_string(n.kind);
    d["hostname"] = n.hostname;
    d["pid"] = 0;
    d["cgroup"] = "";
    for (const auto& s : l.state().nodes)
        if (s.name == n.name) {
            d["pid"] = s.init.pid;
            d["cgroup"] = s.cgroup;
        }
    py::list itfs;
    for (const auto& i : n.interfaces) {
        py::list addrs;
        for (const auto& a : i.addrs) addrs.append(a.str());
        itfs.append(py::make_tuple(i.name, addrs));
    }
    d["interfaces"] = itfs;
    py::list lo;
    for (const auto& a : n.loopback) lo.append(a.str());
    d["loopback"] = lo;
    d["daemons"] = lab::node_daemons(n);
    return d;
}

py::dict live_dict(const probe::NodeLive& n) {
    py::dict d;
    d["name"] = n.name;
    d["running"] = n.running;
    d["pid"] = n.pid;
    py::list itfs;
    for (const auto& i : n.interfaces) {
        py::dict x;
        x["name"] = i.name;
        x["kind"] = i.kind;
        x["up"] = i.up;
        x["carrier"] = i.carrier;
        x["mtu"] = i.mtu;
        x["mac"] = i.mac;
        x["master"] = i.master;
        py::list addrs;
        for (const auto& a : i.addrs) addrs.append(a.str());
        x["addresses"] = addrs;
        itfs.append(x);
    }
    d["interfaces"] = itfs;
    py::list routes;
    for (const auto& r : n.routes) routes.append(view::route_text(r));
    d["routes"] = routes;
    return d;
}

}  // namespace

PYBIND11_MODULE(_nslab, m) {
    m.doc() = "Low-level bindings of the nslab engine; use the `nslab` package instead.";
    py::register_exception_translator(&translate);
    bind_capture(m);
    bind_describe(m);
    bind_ping(m);

    py::class_<lab::Lab>(m, "LabHandle")
        .def_property_readonly("name", &lab::Lab::name)
        .def_property_readonly("ephemeral", [](const lab::Lab& l) { return l.state().ephemeral; })
        .def_property_readonly("up_ms", [](const lab::Lab& l) { return l.state().up_ms; })
        .def("down", &lab::Lab::down, py::call_guard<py::gil_scoped_release>())
        .def("detach", &lab::Lab::detach, py::call_guard<py::gil_scoped_release>())
        .def("nodes", [](const lab::Lab& l) {
            py::list out;
            for (const auto& n : l.model().nodes) out.append(node_dict(l, n));
            return out;
        })
        .def("links", [](const lab::Lab& l) {
            py::list out;
            const auto& mo = l.model();
            for (const auto& k : mo.links)
                out.append(py::make_tuple(mo.endpoint_name(k.ends[0]), mo.endpoint_name(k.ends[1]), k.up,
                                          k.mtu ? py::cast(*k.mtu) : py::none()));
            return out;
        })
        .def("node_env", [](const lab::Lab& l, const std::string& node) {
            py::dict d;
            for (const auto& [k, v] : l.node(node).env) d[py::str(k)] = v;
            return d;
        })
        .def("run",
             [](const lab::Lab& l, const std::string& node, const std::vector<std::string>& argv,
                std::optional<double> timeout, const std::string& input, const std::string& cwd, bool merge_stderr) {
                 exec::RunOptions o;
                 if (timeout) o.timeout = std::chrono::milliseconds(static_cast<long>(*timeout * 1000));
                 o.input = input;
                 o.cwd = cwd;
                 o.merge_stderr = merge_stderr;
                 exec::RunResult r;
                 {
                     py::gil_scoped_release nogil;
                     r = l.run(node, argv, o);
                 }
                 return py::make_tuple(r.exit_code, py::bytes(r.out), py::bytes(r.err), r.timed_out);
             },
             py::arg("node"), py::arg("argv"), py::arg("timeout") = py::none(), py::arg("input") = "",
             py::arg("cwd") = "", py::arg("merge_stderr") = false)
        .def("spawn",
             [](const lab::Lab& l, const std::string& node, const std::vector<std::string>& argv, int in, int out,
                int err, const std::string& cwd) {
                 exec::SpawnSpec spec;
                 spec.argv = argv;
                 spec.cwd = cwd;
                 spec.cwd_required = !cwd.empty();
                 spec.in = in;
                 spec.out = out;
                 spec.err = err;
                 spec.new_session = true;
                 py::gil_scoped_release nogil;
                 exec::Child c = l.spawn(node, spec);
                 // The caller (Python) owns the child from here: it waits by PID.
                 return c.pid;
             },
             py::arg("node"), py::arg("argv"), py::arg("in"), py::arg("out"), py::arg("err"), py::arg("cwd") = "")
        .def("host_pid", &lab::host_pid, py::call_guard<py::gil_scoped_release>())
        .def("node_pid", &lab::node_pid, py::call_guard<py::gil_scoped_release>())
        .def("inspect",
             [](const lab::Lab& l, const std::string& node, bool routes) {
                 probe::NodeLive live;
                 {
                     py::gil_scoped_release nogil;
                     live = probe::inspect_node(l, node, routes);
                 }
                 return live_dict(live);
             },
             py::arg("node"), py::arg("routes") = false)
        .def("set_link_up", &lab::set_link_up, py::arg("endpoint"), py::arg("up"), py::arg("only_end") = "",
             py::call_guard<py::gil_scoped_release>())
        .def("link_state", [](const lab::Lab& l, const std::string& endpoint) {
            auto st = lab::link_state(l, endpoint);
            py::list out;
            for (const auto& e : st.ends) out.append(py::make_tuple(e.endpoint, e.up, e.carrier, e.mtu));
            return out;
        })
        // Link impairments (lab/impair.hpp): with `pairs`, replaces the link's impairment
        // ([] removes it); always returns (path, "delay=20ms loss=1%") in force afterwards.
        .def("impair", [](const lab::Lab& l, const std::string& endpoint,
                          std::optional<std::vector<std::pair<std::string, std::string>>> pairs) {
            py::gil_scoped_release nogil;
            if (pairs) lab::set_impairment(l, endpoint, topo::parse_netem(*pairs));
            auto im = lab::impairment(l, endpoint);
            return std::make_pair(im.path, impair::format_netem(im.netem));
        }, py::arg("endpoint"), py::arg("pairs") = py::none())
        // Live changes (lab/lab.hpp): each returns (lines, applied, ms) and leaves the handle
        // showing the lab's new version.
        .def("apply", [](lab::Lab& l, const std::string& text, const std::string& source, bool dry_run) {
            lab::ChangeResult r;
            {
                py::gil_scoped_release nogil;
                r = l.apply(text, source, dry_run);
            }
            return py::make_tuple(r.lines, r.applied, r.ms);
        }, py::arg("text"), py::arg("source") = "", py::arg("dry_run") = false)
        .def("change", [](lab::Lab& l, const std::string& op, const std::string& a, const std::string& b, const std::string& spec) {
            lab::ChangeResult r;
            {
                py::gil_scoped_release nogil;
                if (op == "add_node") r = l.add_node(a, spec);
                else if (op == "remove_node") r = l.remove_node(a);
                else if (op == "add_link") r = l.add_link(a, b, spec);
                else if (op == "remove_link") r = l.remove_link(a);
                else throw Error("unknown change " + op);
            }
            return py::make_tuple(r.lines, r.applied, r.ms);
        }, py::arg("op"), py::arg("a"), py::arg("b") = "", py::arg("spec") = "");

    m.def(
        "up",
        [](const std::string& text, const std::string& name, const std::string& source, const std::string& workdir,
           bool ephemeral, int exec_timeout, const std::string& hosts) {
            lab::UpOptions o;
            o.name = name;
            o.hosts = hosts;
            o.source = source;
            o.workdir = workdir;
            o.ephemeral = ephemeral;
            o.exec_timeout_s = exec_timeout;
            py::gil_scoped_release nogil;
            return lab::Lab::up(text, o);
        },
        py::arg("text"), py::arg("name") = "", py::arg("source") = "", py::arg("workdir") = "",
        py::arg("ephemeral") = true, py::arg("exec_timeout") = 60, py::arg("hosts") = "");
    m.def("attach", &lab::Lab::attach, py::call_guard<py::gil_scoped_release>());
    m.def("validate", [](const std::string& text, const std::string& name, const std::string& source,
                         const std::string& workdir) {
        topo::ParseOptions o;
        o.name_override = name;
        o.source = source.empty() ? "<topology>" : source;
        o.base_dir = workdir;
        auto mo = topo::parse(text, o);
        lab::check_daemon_configs(mo, o.source);
        return py::make_tuple(mo.name, mo.nodes.size(), mo.links.size());
    }, py::arg("text"), py::arg("name") = "", py::arg("source") = "", py::arg("workdir") = "");
    m.def("list_labs", &lab::list);
    m.def("down", &lab::down, py::call_guard<py::gil_scoped_release>());
    m.def("clean", [] {
        lab::CleanReport r;
        {
            py::gil_scoped_release nogil;
            r = lab::clean();
        }
        return py::make_tuple(r.labs, r.processes, r.kept, r.failed);
    });
}
