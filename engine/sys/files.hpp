// Small filesystem helpers with errors that name the path.
#pragma once

#include <string>
#include <vector>

namespace nslab::sys {

std::string read_file(const std::string& path);
// Writes via a temporary in the same directory and rename(2), so readers never see half a file.
void write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);
// Creates each missing component; returns the directories it created, outermost first.
std::vector<std::string> mkdir_p(const std::string& path, unsigned mode = 0755);
// Removes a directory tree that holds only regular files and directories (a state dir).
void remove_tree(const std::string& path);
bool exists(const std::string& path);
// `text` cut at '\n' (a last line without one included; no empty last line for a final '\n').
std::vector<std::string> split_lines(const std::string& text);
std::vector<std::string> list_dir(const std::string& path);  // names, no "." / ".."; [] if missing

}  // namespace nslab::sys
