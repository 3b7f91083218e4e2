// The engine's JSON view of a lab (lab/describe.hpp) for Lab.to_dict(): the same text
// `lab status --json` prints, parsed by Python's json module.
#include <pybind11/pybind11.h>

#include "lab/describe.hpp"

namespace py = pybind11;
using namespace nslab;

void bind_describe(py::module_& m) {
    m.def("describe", [](const lab::Lab& l) {
        std::string text;
        {
            py::gil_scoped_release nogil;
            text = lab::json_text(lab::describe(l), false);
        }
        return text;
    });
}
