#pragma once
// The access log in the combined format nginx and Apache write, so existing log tools
// (goaccess, awstats) read it:
//   127.0.0.1 - - [22/Nov/2026:04:39:15 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/7.88.1"
// One write(2) per line on an O_APPEND descriptor, so lines from threads never interleave.

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

namespace wk::http::io {

struct AccessEntry {
  std::string_view remote;
  std::time_t time = 0;
  std::string_view method, target;
  int versionMinor = 1;
  int status = 0;
  std::uint64_t bytes = 0;
  std::string_view referer, userAgent;
};

// Formats one line (with the newline). Quotes, backslashes and control bytes from the
// client are escaped as \xHH so a request cannot forge log lines.
std::string formatCombined(const AccessEntry& e);

class AccessLog {
 public:
  // "-" is stdout. Throws std::runtime_error if the file cannot be opened.
  explicit AccessLog(const std::filesystem::path& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessEntry& e) const;

 private:
  int fd_ = -1;
  bool owned_ = false;
};

}  // namespace wk::http::io
