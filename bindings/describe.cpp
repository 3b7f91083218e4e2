// The engine's JSON view of a lab (view/describe.hpp) for Lab.to_dict(): the same text
// `lab status --json` prints, parsed by Python's json module.
#include <pybind11/pybind11.h>

#include "view/describe.hpp"

namespace py = pybind11;
using namespace nslab;

void bind_describe(py::module_& m) {
    m.def("describe", [](const lab::Lab& l) {
        std::string text;
        {
            py::gil_scoped_release nogil;
            text = view::json_text(view::describe(l), false);
        }
        return text;
    });
}
