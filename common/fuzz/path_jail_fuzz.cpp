// Fuzzes PathJail::normalize, the lexical gate in front of every HTTP, FTP and TFTP path.
// Properties checked on every input, not just "no crash":
//   - a success never contains a ".." component, never starts with "/", never has NUL,
//     an empty component or a "." component;
//   - normalising a result again gives the same result (it is already clean);
//   - a failure is one of outside_root / invalid_path, and NUL always fails.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wk/path_jail.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = wk::PathJail::normalize(input);
  if (!result) {
    check(result.error() == make_error_code(wk::JailError::outside_root) ||
          result.error() == make_error_code(wk::JailError::invalid_path));
    return 0;
  }
  check(input.find('\0') == std::string_view::npos);
  const std::string& out = *result;
  check(out.find('\0') == std::string::npos);
  check(out.empty() || out.front() != '/');
  check(out.empty() || out.back() != '/');
  check(out.size() <= input.size());
  std::size_t start = 0;
  while (!out.empty() && start <= out.size()) {
    std::size_t end = out.find('/', start);
    if (end == std::string::npos) end = out.size();
    std::string_view part(out.data() + start, end - start);
    check(!part.empty() && part != "." && part != "..");
    start = end + 1;
  }
  auto again = wk::PathJail::normalize(out);
  check(again && *again == out);
  return 0;
}
