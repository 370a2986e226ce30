#pragma once
// Domain names in uncompressed wire form (RFC 1035 3.1), case preserved.
//
// Name is a fixed-size value (no heap) so the answer path can parse a question without
// allocating. Comparisons are ASCII case-insensitive, as DNS requires (RFC 4343).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wk/bytes.hpp"

namespace wk::dns::codec {

constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxLabelLength = 63;

inline std::uint8_t lowerAscii(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
}

class Name {
 public:
  Name() { data_[0] = 0; }  // the root

  // From wire bytes that are already a valid uncompressed name (validated).
  static std::optional<Name> fromWire(std::span<const std::uint8_t> wire);
  // Presentation form ("www.example.test.", "@" is not handled here). A name without the
  // final dot is relative and gets `origin` appended; nullopt on bad syntax or length.
  static std::optional<Name> fromText(std::string_view text, const Name* origin = nullptr);

  std::span<const std::uint8_t> wire() const { return {data_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool isRoot() const { return size_ == 1; }
  unsigned labelCount() const;  // the root has 0
  std::string toText() const;   // always absolute, with escapes, "." for the root

  // The name without its first label (the root stays the root).
  Name parent() const;
  // The name with its first `n` labels removed.
  Name stripLabels(unsigned n) const;
  // label + "." + this; false if too long.
  bool prepend(std::span<const std::uint8_t> label);
  // this + suffix (this must be relative-free wire: its final root label is replaced).
  bool append(const Name& suffix);
  Name lowered() const;
  bool isWildcard() const { return size_ >= 2 && data_[0] == 1 && data_[1] == '*'; }

  bool equals(const Name& other) const;            // case-insensitive
  bool isSubdomainOf(const Name& ancestor) const;  // also true when equal
  // DNSSEC canonical order (RFC 4034 6.1).
  int canonicalCompare(const Name& other) const;

  bool operator==(const Name& other) const { return equals(other); }

 private:
  std::array<std::uint8_t, kMaxNameLength> data_;
  std::uint8_t size_ = 1;
};

// Reads a possibly compressed name. Pointers must point strictly backwards (before the
// name's own start), which rules out loops; total length is capped at 255. Fails the
// reader on any violation.
bool readName(ByteReader& reader, Name& out);

// Case-insensitive equality of two uncompressed wire names.
bool wireNamesEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// Appends a label's text form (with \. \\ \DDD escapes) to out.
void appendLabelText(std::string& out, std::span<const std::uint8_t> label);

// Name compression on write: remembers where names were written in the message being built
// (up to kEntries suffixes) and replaces a known suffix by a pointer.
class Compressor {
 public:
  static constexpr std::size_t kEntries = 64;
  explicit Compressor(const std::vector<std::uint8_t>& message) : message_(message) {}

  void reset() { count_ = 0; }
  // Writes `name` at the writer's position, compressed if `compress`; remembers its
  // suffixes for later names either way.
  void write(ByteWriter& out, const Name& name, bool compress = true);
  // Registers a name already present in the message at `offset` (e.g. the question).
  void remember(std::size_t offset, const Name& name);

 private:
  bool matchesAt(std::size_t offset, std::span<const std::uint8_t> suffix) const;

  const std::vector<std::uint8_t>& message_;
  std::array<std::uint16_t, kEntries> offsets_{};
  std::size_t count_ = 0;
};

}  // namespace wk::dns::codec
