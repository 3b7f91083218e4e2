// Every help text of `lab` lives in help.cpp: `lab --help`, `lab CMD --help`, the usage line a
// command prints on bad usage, and the man page (`lab --man`, installed as lab.1) all come from
// the same table, so they cannot drift apart.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace nslab::cli {

struct CommandHelp {
    std::string_view name;      // "up"
    std::string_view synopsis;  // "FILE|--gen SHAPE:N [--name NAME] ..."
    std::string_view summary;   // one line, for `lab --help`
    std::string_view details;   // paragraphs: what it does, options, examples
};

std::span<const CommandHelp> all_help();        // in `lab --help` order
const CommandHelp* find_help(std::string_view command);

std::string main_help();                        // `lab --help`
std::string command_help(const CommandHelp& h); // `lab CMD --help`
std::string usage_line(std::string_view command);  // "usage: lab up FILE ..." (for UsageError)
std::string man_page();                         // roff, section 1

}  // namespace nslab::cli
