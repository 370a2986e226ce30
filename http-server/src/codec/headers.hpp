#pragma once
// Header fields in arrival order with case-insensitive lookup, plus the RFC 9110 character
// classes every parser in this directory shares (token, field value, whitespace).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wk::http::codec {

// tchar (RFC 9110 5.6.2).
bool isTchar(unsigned char c);
bool isToken(std::string_view s);
// A field-value byte: VCHAR, SP, HTAB or obs-text; never CTLs (NUL, CR, LF, DEL ...).
bool isFieldValueChar(unsigned char c);
bool iequals(std::string_view a, std::string_view b);
std::string_view trimOws(std::string_view s);
std::string toLower(std::string_view s);

// Splits a comma-separated list (#rule), trimming OWS and skipping empty elements.
// Quoted strings are kept intact, so "a, \"b,c\"" gives two elements.
std::vector<std::string_view> splitList(std::string_view value);
// True if the comma-separated list contains token (case-insensitive).
bool listHasToken(std::string_view value, std::string_view token);

struct Field {
  std::string name;
  std::string value;
};

class Headers {
 public:
  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  void clear() { fields_.clear(); }

  // The first field of that name.
  std::optional<std::string_view> get(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  // Every field of that name joined by ", " (RFC 9110 5.3), or nullopt.
  std::optional<std::string> combined(std::string_view name) const;
  bool has(std::string_view name) const { return count(name) != 0; }

  const std::vector<Field>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace wk::http::codec
