#pragma once
// Range requests (RFC 9110 14): the bytes ranges a Range field asks of a representation
// of a known size, normalised for serving.

#include <cstdint>
#include <string_view>
#include <vector>

namespace wk::http::codec {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
  bool operator==(const ByteRange&) const = default;
};

enum class RangeOutcome {
  ignore,         // not a bytes range, malformed, or too many: serve the whole (200)
  satisfiable,    // 206 with ranges (sorted, overlapping and adjacent ones merged)
  unsatisfiable,  // 416 with Content-Range: bytes */size
};

struct RangeResult {
  RangeOutcome outcome = RangeOutcome::ignore;
  std::vector<ByteRange> ranges;
};

// maxRanges caps the ranges a client may list (many tiny ranges cost us far more than
// they cost the client); beyond it the field is ignored and the whole representation sent.
RangeResult evaluateRange(std::string_view value, std::uint64_t size, std::size_t maxRanges);

}  // namespace wk::http::codec
