#include "json_out.hpp"

#include <iostream>

#include "view/describe.hpp"

namespace nslab::cli {

bool json_requested(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--") return false;
        if (a == "--json") return true;
    }
    return false;
}

void print_json(const nlohmann::ordered_json& j) { std::cout << view::json_text(j) << std::endl; }

nlohmann::ordered_json& error_context() {
    static nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
    return ctx;
}

void print_error_json(const std::exception& e, const char* kind) {
    nlohmann::ordered_json j = view::describe_error(e);
    if (kind) j["error"]["kind"] = kind;
    for (auto& [k, v] : error_context().items())
        if (!j["error"].contains(k)) j["error"][k] = v;
    std::cerr << view::json_text(j) << std::endl;
}

}  // namespace nslab::cli
