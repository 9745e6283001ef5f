// The text of `ptcheck help` (every command) and of `ptcheck COMMAND --help` (one command), from one table
// so that the two never disagree.
#pragma once
#include <string>
#include <vector>

namespace ptc::cli {

// The commands, in the order `ptcheck help` lists them.
const std::vector<std::string>& command_names();

// `ptcheck help`: every command, the oracles, the exit statuses.
std::string usage_text();

// `ptcheck COMMAND --help`: its synopsis and description, then what every command shares; "" for no such command.
std::string command_usage(const std::string& command);

}  // namespace ptc::cli
