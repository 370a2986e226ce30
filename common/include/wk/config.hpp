#pragma once
// TOML configuration with typed getters and exact error positions.
//
// A daemon describes its config as a struct whose member initialisers are the defaults
// (the one place defaults live) and a load function that reads each key through a Table:
//
//   Config c;                                       // defaults
//   auto server = root.table("server");
//   c.listen = server.endpoints("listen", c.listen);
//   c.timeout = server.duration("timeout", c.timeout);
//
// Getters never throw: a wrong type or a bad value is recorded as an error at the value's
// position and the default is returned, so one run reports every mistake at once.
// Document::finish() adds an error for every key nobody asked for (typos) and throws
// config::Errors if any error was recorded; each error prints as FILE:LINE:COL: message.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wk/net.hpp"

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace wk::config {

struct Error {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
  std::string toString() const;  // "FILE:LINE:COL: message"
};

class Errors : public std::runtime_error {
 public:
  explicit Errors(std::vector<Error> errors);
  const std::vector<Error>& errors() const { return errors_; }

 private:
  std::vector<Error> errors_;
};

// Parsers shared with anything else that reads these formats (CLI flags, tests).
std::optional<std::uint64_t> parseSize(std::string_view text);  // "256MiB", "2GB", "512"
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);  // "1h30m"

class Document;

// A view of one TOML table that records which keys were read.
class Table {
 public:
  Table() = default;

  bool has(std::string_view key) const;
  bool empty() const;  // missing or without keys

  std::string string(std::string_view key, const std::string& fallback);
  bool boolean(std::string_view key, bool fallback);
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min = INT64_MIN,
                       std::int64_t max = INT64_MAX);
  double number(std::string_view key, double fallback);
  // An array of integers, each within [min, max] ("connect_ports = [443, 8443]").
  std::vector<std::int64_t> integers(std::string_view key,
                                     const std::vector<std::int64_t>& fallback,
                                     std::int64_t min = INT64_MIN, std::int64_t max = INT64_MAX);
  std::uint64_t size(std::string_view key, std::uint64_t fallback);  // bytes
  std::chrono::milliseconds duration(std::string_view key, std::chrono::milliseconds fallback);
  Endpoint endpoint(std::string_view key, const Endpoint& fallback);
  std::vector<Endpoint> endpoints(std::string_view key, const std::vector<Endpoint>& fallback);
  std::vector<std::string> strings(std::string_view key, const std::vector<std::string>& fallback);
  CidrList cidrs(std::string_view key, const CidrList& fallback);
  // A string restricted to a set of words ("text" or "json").
  std::string choice(std::string_view key, const std::string& fallback,
                     const std::vector<std::string>& allowed);
  // A path; relative paths are taken relative to the config file's directory.
  std::filesystem::path path(std::string_view key, const std::filesystem::path& fallback);

  // A sub-table ([server]); a missing one is an empty table. Marks the key as known.
  Table table(std::string_view key);
  // An array of tables ([[zone]]). Missing: empty vector.
  std::vector<Table> tables(std::string_view key);

  // Records an error at the key's value (or at this table when the key is absent), for
  // checks that span keys ("pool outside its subnet").
  void error(std::string_view key, const std::string& message);

 private:
  friend class Document;
  Table(Document* doc, toml::table* table) : doc_(doc), table_(table) {}
  const toml::node* lookup(std::string_view key);
  // The strings of an array-of-strings key, each with its node (for error positions);
  // nullopt (and an error, if present) when the key is missing or not an array.
  struct Item {
    std::string text;
    const toml::node* node;
  };
  std::optional<std::vector<Item>> stringItems(std::string_view key, const std::string& what);
  void errorAt(const toml::node& node, const std::string& message);

  Document* doc_ = nullptr;
  toml::table* table_ = nullptr;
};

class Document {
 public:
  // Parse failures throw Errors (with the TOML syntax error's position).
  static Document fromFile(const std::filesystem::path& file);
  static Document fromString(std::string_view text, std::string sourceName);

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Table root();
  const std::string& sourceName() const;
  // Directory relative paths are resolved against (the file's directory, or cwd).
  const std::filesystem::path& baseDirectory() const;

  // Reports unknown keys, then throws Errors if anything was recorded.
  void finish();
  std::vector<Error>& errors();

 private:
  friend class Table;
  struct State;
  explicit Document(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Keys every daemon shares: [log] and [server] threads / shutdown_timeout.
struct CommonConfig {
  std::string logLevel = "info";
  std::string logFormat = "text";
  unsigned threads = 0;  // 0 = one per core
  std::chrono::milliseconds shutdownTimeout{10'000};

  static CommonConfig load(Table root);
};

}  // namespace wk::config
