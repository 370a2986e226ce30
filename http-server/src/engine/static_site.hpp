#pragma once
// The static-file origin: maps a parsed request onto files under the root and builds the
// response (RFC 9110): validators, conditional requests, ranges, precompressed variants,
// index files, directory listings, and the error replies. No sockets, no clock: the I/O
// layer passes the Date value it caches once per second.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/request.hpp"
#include "engine/file_store.hpp"
#include "engine/response.hpp"

namespace wk::http::engine {

struct StaticConfig {
  std::vector<std::string> index{"index.html"};
  bool autoindex = false;
  std::size_t maxRanges = 32;  // more ranges than this: the Range field is ignored
  std::string server = "wellknown";
};

// A decoded, normalised request path.
struct TargetPath {
  std::string rel;  // "a/b" ("" = the root)
  bool trailingSlash = false;
  std::string path;   // the raw path of the target (for redirects and listings)
  std::string query;  // without "?"
};
// Origin-form "/p?q", absolute-form "http://h/p?q"; nullopt = 400.
std::optional<TargetPath> parseTargetPath(std::string_view target);

class StaticSite {
 public:
  StaticSite(StaticConfig config, std::shared_ptr<FileStore> store);

  // now: the time date shows (0: unknown), so a file dated in the future is sent with
  // Last-Modified = Date (RFC 9110 8.8.2.1).
  Response handle(const codec::Request& request, std::string_view date, std::time_t now = 0) const;

  const StaticConfig& config() const { return config_; }

 private:
  Response serveFile(const codec::Request& request, std::string_view date, const std::string& rel,
                     OpenResult identity, std::time_t now) const;
  Response listing(const codec::Request& request, std::string_view date,
                   const TargetPath& target) const;

  StaticConfig config_;
  std::shared_ptr<FileStore> store_;
};

// A complete small reply with an HTML body (errors, redirects).
Response errorResponse(int status, std::string_view date, std::string_view server);

}  // namespace wk::http::engine
