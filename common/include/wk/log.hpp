#pragma once
// Logging: spdlog to stderr, as text or JSON lines. Daemons log through spdlog's default
// logger (spdlog::info(...)); this only configures it.

#include <string>
#include <string_view>

namespace wk::log {

// level: trace|debug|info|warn|error; format: text|json. Unknown values fall back to
// info/text (config validation rejects them before this is called).
void init(std::string_view level, std::string_view format);
void setLevel(std::string_view level);
bool validLevel(std::string_view level);

// Escapes a string for embedding in a JSON document (used by the JSON formatter and by
// daemons writing JSON access logs).
std::string jsonEscape(std::string_view text);

}  // namespace wk::log
