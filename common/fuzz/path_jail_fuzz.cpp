// Fuzzes PathJail, the gate in front of every HTTP, FTP and TFTP path.
// Properties checked on every input, not just "no crash":
//   normalize():
//   - a success never contains a ".." component, never starts with "/", never has NUL,
//     an empty component or a "." component;
//   - normalising a result again gives the same result (it is already clean);
//   - a failure is one of outside_root / invalid_path, and NUL always fails.
//   resolve() / resolveForCreate() / open() on a small tree with symlinks in and out
//   (built once in a temporary directory):
//   - a resolved path is under the canonical root, and is its own canonical form;
//   - an opened descriptor names a file under the root (/proc/self/fd).
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "wk/path_jail.hpp"

namespace fs = std::filesystem;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool under(const fs::path& p, const fs::path& root) {
  std::string s = p.string(), r = root.string();
  return s == r || (s.size() > r.size() && s.compare(0, r.size(), r) == 0 && s[r.size()] == '/');
}

struct Tree {
  fs::path base;
  wk::PathJail* jail = nullptr;

  Tree() {
    std::string templ = (fs::temp_directory_path() / "wk_jail_fuzz_XXXXXX").string();
    check(::mkdtemp(templ.data()) != nullptr);
    base = fs::canonical(templ);
    fs::path root = base / "root";
    fs::create_directories(root / "a" / "b");
    fs::create_directories(base / "out");
    std::ofstream(root / "f") << "f";
    std::ofstream(root / "a" / "g") << "g";
    std::ofstream(base / "out" / "s") << "s";
    fs::create_symlink("a", root / "l");                 // in
    fs::create_symlink("../out", root / "o");            // out
    fs::create_symlink("..", root / "a" / "p");          // in (to the root)
    fs::create_symlink("../..", root / "a" / "q");       // out
    fs::create_symlink(base / "out" / "s", root / "x");  // absolute, out
    fs::create_symlink(root / "f", root / "y");          // absolute, in
    fs::create_symlink("z", root / "z");                 // loop
    jail = new wk::PathJail(root);
  }
  ~Tree() {
    delete jail;
    std::error_code ec;
    fs::remove_all(base, ec);
  }
};

void checkResolved(const wk::Result<fs::path>& r, const fs::path& root, bool mustExist) {
  if (!r) return;
  check(under(*r, root));
  if (mustExist) {
    std::error_code ec;
    check(fs::canonical(*r, ec) == *r);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = wk::PathJail::normalize(input);
  if (!result) {
    check(result.error() == make_error_code(wk::JailError::outside_root) ||
          result.error() == make_error_code(wk::JailError::invalid_path));
  } else {
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
  }

  static Tree tree;
  const fs::path& root = tree.jail->root();
  checkResolved(tree.jail->resolve(input), root, true);
  checkResolved(tree.jail->resolveForCreate(input), root, false);
  // Read-only opens only: the fuzzer must not litter the tree.
  auto fd = tree.jail->open(input, O_RDONLY);
  if (fd) {
    std::error_code ec;
    fs::path real = fs::read_symlink("/proc/self/fd/" + std::to_string(*fd), ec);
    ::close(*fd);
    check(!ec && under(real, root));
  }
  return 0;
}
