#include "wk/config.hpp"

#include <toml++/toml.h>

#include <charconv>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace wk::config {

std::string Error::toString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

std::string joinErrors(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.toString();
  }
  return out;
}

// A decimal number at the front of text ("1.5" of "1.5GiB"); advances text past it.
std::optional<double> takeNumber(std::string_view& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc{} || ptr != text.data() + i) return std::nullopt;
  text.remove_prefix(i);
  return value;
}

std::string_view takeUnit(std::string_view& text) {
  std::size_t i = 0;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  auto unit = text.substr(0, i);
  text.remove_prefix(i);
  return unit;
}

std::string typeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

}  // namespace

Errors::Errors(std::vector<Error> errors)
    : std::runtime_error(joinErrors(errors)), errors_(std::move(errors)) {}

std::optional<std::uint64_t> parseSize(std::string_view text) {
  auto number = takeNumber(text);
  if (!number) return std::nullopt;
  auto unit = takeUnit(text);
  if (!text.empty()) return std::nullopt;
  static const std::pair<std::string_view, double> kUnits[] = {{"", 1},
                                                               {"B", 1},
                                                               {"K", 1024.0},
                                                               {"KiB", 1024.0},
                                                               {"KB", 1e3},
                                                               {"M", 1048576.0},
                                                               {"MiB", 1048576.0},
                                                               {"MB", 1e6},
                                                               {"G", 1073741824.0},
                                                               {"GiB", 1073741824.0},
                                                               {"GB", 1e9},
                                                               {"T", 1099511627776.0},
                                                               {"TiB", 1099511627776.0},
                                                               {"TB", 1e12}};
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) {
      double bytes = *number * factor;
      if (bytes > 1.8e19) return std::nullopt;
      return static_cast<std::uint64_t>(std::llround(bytes));
    }
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  bool first = true;
  while (!text.empty()) {
    auto number = takeNumber(text);
    if (!number) return std::nullopt;
    auto unit = takeUnit(text);
    double factor = 0;
    if (unit.empty() && first && text.empty()) {
      factor = 1000;  // a bare number is seconds
    } else if (unit == "ms") {
      factor = 1;
    } else if (unit == "s") {
      factor = 1000;
    } else if (unit == "m") {
      factor = 60'000;
    } else if (unit == "h") {
      factor = 3'600'000;
    } else if (unit == "d") {
      factor = 86'400'000;
    } else if (unit == "w") {
      factor = 604'800'000;
    } else {
      return std::nullopt;
    }
    total += *number * factor;
    first = false;
  }
  if (total > 1e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total)));
}

// ---------------------------------------------------------------------------------------
// Document

struct Document::State {
  toml::table root;
  std::string source;
  std::filesystem::path base;
  std::vector<Error> errors;
  // Keys read through Table, per table node: what finish() does not call unknown.
  std::unordered_map<const toml::table*, std::unordered_set<std::string>> known;
};

Document::Document(std::unique_ptr<State> state) : state_(std::move(state)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

namespace {

Error fromParseError(const toml::parse_error& e, const std::string& source) {
  return Error{source, e.source().begin.line, e.source().begin.column,
               std::string(e.description())};
}

}  // namespace

Document Document::fromString(std::string_view text, std::string sourceName) {
  auto state = std::make_unique<State>();
  state->source = sourceName;
  state->base = std::filesystem::current_path();
  try {
    state->root = toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    throw Errors({fromParseError(e, sourceName)});
  }
  return Document(std::move(state));
}

Document Document::fromFile(const std::filesystem::path& file) {
  std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw Errors({Error{name, 0, 0, "cannot read config file"}});
  }
  auto state = std::make_unique<State>();
  state->source = name;
  state->base = std::filesystem::absolute(file).parent_path();
  try {
    state->root = toml::parse_file(name);
  } catch (const toml::parse_error& e) {
    throw Errors({fromParseError(e, name)});
  }
  return Document(std::move(state));
}

Table Document::root() {
  state_->known.try_emplace(&state_->root);
  return Table(this, &state_->root);
}

const std::string& Document::sourceName() const {
  return state_->source;
}
const std::filesystem::path& Document::baseDirectory() const {
  return state_->base;
}
std::vector<Error>& Document::errors() {
  return state_->errors;
}

namespace {

void findUnknown(
    const toml::table& table, const std::string& where,
    const std::unordered_map<const toml::table*, std::unordered_set<std::string>>& known,
    const std::string& source, std::vector<Error>& errors) {
  auto it = known.find(&table);
  if (it == known.end()) return;  // never opened: its own key was reported (or it is unused)
  for (const auto& [key, value] : table) {
    std::string name(key.str());
    if (!it->second.contains(name)) {
      std::string in = where.empty() ? "" : " in [" + where + "]";
      errors.push_back(Error{source, key.source().begin.line, key.source().begin.column,
                             "unknown key '" + name + "'" + in});
      continue;
    }
    std::string child = where.empty() ? name : where + "." + name;
    if (const auto* sub = value.as_table()) {
      findUnknown(*sub, child, known, source, errors);
    } else if (const auto* array = value.as_array()) {
      for (const auto& element : *array) {
        if (const auto* t = element.as_table()) findUnknown(*t, child, known, source, errors);
      }
    }
  }
}

}  // namespace

void Document::finish() {
  findUnknown(state_->root, "", state_->known, state_->source, state_->errors);
  if (!state_->errors.empty()) throw Errors(state_->errors);
}

// ---------------------------------------------------------------------------------------
// Table

const toml::node* Table::lookup(std::string_view key) {
  if (!table_) return nullptr;
  doc_->state_->known[table_].insert(std::string(key));
  return table_->get(key);
}

bool Table::has(std::string_view key) const {
  return table_ && table_->contains(key);
}
bool Table::empty() const {
  return !table_ || table_->empty();
}

void Table::errorAt(const toml::node& node, const std::string& message) {
  const auto& where = node.source().begin;
  doc_->state_->errors.push_back(Error{doc_->state_->source, where.line, where.column, message});
}

void Table::error(std::string_view key, const std::string& message) {
  if (!doc_) return;
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node) {
    errorAt(*node, message);
  } else if (table_) {
    errorAt(*table_, message);
  } else {
    doc_->state_->errors.push_back(Error{doc_->state_->source, 1, 1, message});
  }
}

std::string Table::string(std::string_view key, const std::string& fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* s = node->as_string()) return s->get();
  errorAt(*node, "'" + std::string(key) + "' must be a string, not " + typeName(*node));
  return fallback;
}

bool Table::boolean(std::string_view key, bool fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* b = node->as_boolean()) return b->get();
  errorAt(*node, "'" + std::string(key) + "' must be true or false, not " + typeName(*node));
  return fallback;
}

std::int64_t Table::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                            std::int64_t max) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  const auto* i = node->as_integer();
  if (!i) {
    errorAt(*node, "'" + std::string(key) + "' must be an integer, not " + typeName(*node));
    return fallback;
  }
  if (i->get() < min || i->get() > max) {
    errorAt(*node, "'" + std::string(key) + "' must be between " + std::to_string(min) + " and " +
                       std::to_string(max));
    return fallback;
  }
  return i->get();
}

std::vector<std::int64_t> Table::integers(std::string_view key,
                                          const std::vector<std::int64_t>& fallback,
                                          std::int64_t min, std::int64_t max) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  const auto* array = node->as_array();
  if (!array) {
    errorAt(*node, "'" + std::string(key) + "' must be an array of integers");
    return fallback;
  }
  std::vector<std::int64_t> out;
  for (const auto& element : *array) {
    const auto* i = element.as_integer();
    if (!i || i->get() < min || i->get() > max) {
      errorAt(element, "'" + std::string(key) + "' must hold integers between " +
                           std::to_string(min) + " and " + std::to_string(max));
      continue;
    }
    out.push_back(i->get());
  }
  return out;
}

double Table::number(std::string_view key, double fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* f = node->as_floating_point()) return f->get();
  if (const auto* i = node->as_integer()) return static_cast<double>(i->get());
  errorAt(*node, "'" + std::string(key) + "' must be a number, not " + typeName(*node));
  return fallback;
}

std::uint64_t Table::size(std::string_view key, std::uint64_t fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* i = node->as_integer()) {
    if (i->get() >= 0) return static_cast<std::uint64_t>(i->get());
  } else if (const auto* s = node->as_string()) {
    if (auto v = parseSize(s->get())) return *v;
  }
  errorAt(*node, "'" + std::string(key) + "' must be a size such as \"256MiB\", \"2GB\" or 4096");
  return fallback;
}

std::chrono::milliseconds Table::duration(std::string_view key,
                                          std::chrono::milliseconds fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* i = node->as_integer()) {
    if (i->get() >= 0 && i->get() < 1'000'000'000'000) return std::chrono::seconds(i->get());
  } else if (const auto* s = node->as_string()) {
    if (auto v = parseDuration(s->get())) return *v;
  }
  errorAt(*node,
          "'" + std::string(key) + "' must be a duration such as \"30s\", \"1h30m\" or \"250ms\"");
  return fallback;
}

Endpoint Table::endpoint(std::string_view key, const Endpoint& fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* s = node->as_string()) {
    if (auto e = Endpoint::parse(s->get())) return *e;
  }
  errorAt(*node, "'" + std::string(key) +
                     "' must be an address and port such as \"127.0.0.1:53\" or \"[::1]:53\"");
  return fallback;
}

std::optional<std::vector<Table::Item>> Table::stringItems(std::string_view key,
                                                           const std::string& what) {
  const auto* node = lookup(key);
  if (!node) return std::nullopt;
  const auto* array = node->as_array();
  if (!array) {
    errorAt(*node, "'" + std::string(key) + "' must be an array of " + what);
    return std::nullopt;
  }
  std::vector<Item> out;
  for (const auto& element : *array) {
    if (const auto* s = element.as_string()) {
      out.push_back({s->get(), &element});
    } else {
      errorAt(element, "'" + std::string(key) + "' must hold strings, not " + typeName(element));
    }
  }
  return out;
}

std::vector<Endpoint> Table::endpoints(std::string_view key,
                                       const std::vector<Endpoint>& fallback) {
  auto items = stringItems(key, "\"address:port\" strings");
  if (!items) return fallback;
  std::vector<Endpoint> out;
  for (const auto& item : *items) {
    if (auto e = Endpoint::parse(item.text)) {
      out.push_back(*e);
    } else {
      errorAt(*item.node, "not an address and port such as \"127.0.0.1:53\" or \"[::1]:53\"");
    }
  }
  return out;
}

std::vector<std::string> Table::strings(std::string_view key,
                                        const std::vector<std::string>& fallback) {
  auto items = stringItems(key, "strings");
  if (!items) return fallback;
  std::vector<std::string> out;
  for (auto& item : *items) out.push_back(std::move(item.text));
  return out;
}

CidrList Table::cidrs(std::string_view key, const CidrList& fallback) {
  auto items = stringItems(key, "prefixes such as \"10.0.0.0/8\"");
  if (!items) return fallback;
  std::vector<Cidr> out;
  for (const auto& item : *items) {
    if (auto c = Cidr::parse(item.text)) {
      out.push_back(*c);
    } else {
      errorAt(*item.node, "not an address prefix such as \"10.0.0.0/8\" or \"::1/128\"");
    }
  }
  return CidrList(std::move(out));
}

std::string Table::choice(std::string_view key, const std::string& fallback,
                          const std::vector<std::string>& allowed) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  if (const auto* s = node->as_string()) {
    for (const auto& a : allowed) {
      if (a == s->get()) return a;
    }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  errorAt(*node, "'" + std::string(key) + "' must be one of: " + list);
  return fallback;
}

std::filesystem::path Table::path(std::string_view key, const std::filesystem::path& fallback) {
  const auto* node = lookup(key);
  if (!node) return fallback;
  const auto* s = node->as_string();
  if (!s) {
    errorAt(*node, "'" + std::string(key) + "' must be a path string, not " + typeName(*node));
    return fallback;
  }
  std::filesystem::path p(s->get());
  if (p.empty() || p.is_absolute()) return p;
  return doc_->state_->base / p;
}

Table Table::table(std::string_view key) {
  const auto* node = lookup(key);
  if (!node) return Table(doc_, nullptr);
  auto* sub = const_cast<toml::node*>(node)->as_table();
  if (!sub) {
    errorAt(*node, "'" + std::string(key) + "' must be a table, not " + typeName(*node));
    return Table(doc_, nullptr);
  }
  doc_->state_->known.try_emplace(sub);
  return Table(doc_, sub);
}

std::vector<Table> Table::tables(std::string_view key) {
  const auto* node = lookup(key);
  if (!node) return {};
  auto* array = const_cast<toml::node*>(node)->as_array();
  if (!array) {
    errorAt(*node,
            "'" + std::string(key) + "' must be an array of tables ([[" + std::string(key) + "]])");
    return {};
  }
  std::vector<Table> out;
  for (auto& element : *array) {
    auto* t = element.as_table();
    if (!t) {
      errorAt(element, "'" + std::string(key) + "' must hold tables, not " + typeName(element));
      continue;
    }
    doc_->state_->known.try_emplace(t);
    out.push_back(Table(doc_, t));
  }
  return out;
}

// ---------------------------------------------------------------------------------------

CommonConfig CommonConfig::load(Table root) {
  CommonConfig c;
  auto log = root.table("log");
  c.logLevel = log.choice("level", c.logLevel, {"trace", "debug", "info", "warn", "error"});
  c.logFormat = log.choice("format", c.logFormat, {"text", "json"});
  auto server = root.table("server");
  c.threads = static_cast<unsigned>(server.integer("threads", c.threads, 0, 256));
  c.shutdownTimeout = server.duration("shutdown_timeout", c.shutdownTimeout);
  return c;
}

}  // namespace wk::config
