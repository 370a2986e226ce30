#include "codec/range.hpp"

#include <algorithm>
#include <optional>

#include "codec/headers.hpp"

namespace wk::http::codec {

namespace {

std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

}  // namespace

RangeResult evaluateRange(std::string_view value, std::uint64_t size, std::size_t maxRanges) {
  RangeResult result;
  value = trimOws(value);
  auto eq = value.find('=');
  if (eq == std::string_view::npos || !iequals(trimOws(value.substr(0, eq)), "bytes")) {
    return result;  // an unknown unit MUST be ignored
  }
  auto specs = splitList(value.substr(eq + 1));
  if (specs.empty() || specs.size() > maxRanges) return result;
  std::vector<ByteRange> ranges;
  for (auto spec : specs) {
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return result;
    auto a = trimOws(spec.substr(0, dash));
    auto b = trimOws(spec.substr(dash + 1));
    if (a.empty()) {
      // suffix-range: the last N bytes
      auto n = number(b);
      if (!n) return result;
      if (*n == 0 || size == 0) continue;
      ranges.push_back({size - std::min(*n, size), size - 1});
      continue;
    }
    auto first = number(a);
    if (!first) return result;
    std::uint64_t last = UINT64_MAX;
    if (!b.empty()) {
      auto l = number(b);
      if (!l || *l < *first) return result;  // invalid: the whole field is ignored
      last = *l;
    }
    if (*first >= size) continue;  // unsatisfiable on its own
    ranges.push_back({*first, std::min(last, size - 1)});
  }
  if (ranges.empty()) {
    result.outcome = RangeOutcome::unsatisfiable;
    return result;
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& x, const ByteRange& y) { return x.first < y.first; });
  for (const auto& r : ranges) {
    if (!result.ranges.empty() && r.first <= result.ranges.back().last + 1) {
      result.ranges.back().last = std::max(result.ranges.back().last, r.last);
    } else {
      result.ranges.push_back(r);
    }
  }
  result.outcome = RangeOutcome::satisfiable;
  return result;
}

}  // namespace wk::http::codec
