#include "engine/static_site.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <random>

#include "codec/conditional.hpp"
#include "codec/range.hpp"
#include "engine/mime.hpp"

namespace wk::http::engine {

using codec::iequals;

namespace {

constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hexDigit(s[i + 1]), lo = hexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

// The q-value a client gives a content coding in Accept-Encoding (0 = not acceptable).
double codingQuality(std::string_view acceptEncoding, std::string_view coding) {
  double star = -1, exact = -1;
  for (auto item : codec::splitList(acceptEncoding)) {
    auto semi = item.find(';');
    auto name = codec::trimOws(item.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      auto params = item.substr(semi + 1);
      auto qpos = params.find_first_of("qQ");
      if (qpos != std::string_view::npos) {
        auto eq = params.find('=', qpos);
        if (eq != std::string_view::npos) {
          std::string num(codec::trimOws(params.substr(eq + 1)));
          q = std::strtod(num.c_str(), nullptr);
        }
      }
    }
    if (iequals(name, coding)) exact = q;
    if (name == "*") star = q;
  }
  if (exact >= 0) return exact;
  return star >= 0 ? star : 0;
}

std::string makeEtag(const FileInfo& info, std::string_view suffix) {
  char buf[64];
  char* p = buf;
  *p++ = '"';
  p = std::to_chars(p, buf + 20, static_cast<unsigned long long>(info.mtime), 16).ptr;
  *p++ = '-';
  p = std::to_chars(p, buf + 40, static_cast<unsigned long long>(info.size), 16).ptr;
  std::string out(buf, p);
  out += suffix;
  out += '"';
  return out;
}

std::string boundary() {
  static const std::uint64_t seed =
      std::random_device{}() * 0x9e3779b97f4a7c15ULL ^ std::random_device{}();
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t x = seed ^ (counter.fetch_add(1) * 0xbf58476d1ce4e5b9ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "wk%016llx", static_cast<unsigned long long>(x));
  return buf;
}

std::string htmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string urlEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) ||
        std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

void baseHeaders(codec::Headers& h, std::string_view date, std::string_view server) {
  h.add("Server", server);
  h.add("Date", date);
}

}  // namespace

std::optional<TargetPath> parseTargetPath(std::string_view target) {
  TargetPath out;
  if (target.size() > 7 && (iequals(target.substr(0, 7), "http://") ||
                            (target.size() > 8 && iequals(target.substr(0, 8), "https://")))) {
    auto start = target.find("://") + 3;
    auto end = target.find_first_of("/?", start);
    target = end == std::string_view::npos ? std::string_view("/") : target.substr(end);
    if (target.front() == '?') return std::nullopt;
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  if (target.find('#') != std::string_view::npos) return std::nullopt;
  auto q = target.find('?');
  auto rawPath = target.substr(0, q);
  if (q != std::string_view::npos) out.query = target.substr(q + 1);
  out.path = rawPath;
  auto decoded = percentDecode(rawPath);
  if (!decoded) return std::nullopt;
  std::vector<std::string_view> parts;
  std::string_view d = *decoded;
  std::size_t pos = 0;
  while (pos <= d.size()) {
    auto slash = d.find('/', pos);
    auto seg =
        d.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (seg == "..") {
      if (parts.empty()) return std::nullopt;  // above the root
      parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  out.trailingSlash = d.back() == '/';
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out.rel += '/';
    out.rel += parts[i];
  }
  return out;
}

Response errorResponse(int status, std::string_view date, std::string_view server) {
  Response r;
  r.head.status = status;
  baseHeaders(r.head.headers, date, server);
  std::string title = std::to_string(status) + " " + std::string(codec::reasonPhrase(status));
  Segment s;
  s.text = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title +
           "</h1></body></html>\n";
  r.head.headers.add("Content-Type", "text/html; charset=utf-8");
  r.head.headers.add("Content-Length", std::to_string(s.text.size()));
  r.body.push_back(std::move(s));
  if (status == 405 || status == 501) r.head.headers.add("Allow", kAllow);
  return r;
}

StaticSite::StaticSite(StaticConfig config, std::shared_ptr<FileStore> store)
    : config_(std::move(config)), store_(std::move(store)) {}

Response StaticSite::handle(const codec::Request& request, std::string_view date,
                            std::time_t now) const {
  const auto& method = request.method;
  const bool head = method == "HEAD";
  Response r;
  if (method == "OPTIONS") {
    r.head.status = 204;
    baseHeaders(r.head.headers, date, config_.server);
    r.head.headers.add("Allow", kAllow);
    return r;
  }
  if (method != "GET" && !head) {
    static constexpr std::string_view kKnown[] = {"POST",  "PUT",   "DELETE",
                                                  "PATCH", "TRACE", "CONNECT"};
    bool known = std::find(std::begin(kKnown), std::end(kKnown), method) != std::end(kKnown);
    r = errorResponse(known ? 405 : 501, date, config_.server);
  } else if (auto target = parseTargetPath(request.target); !target) {
    r = errorResponse(400, date, config_.server);
  } else {
    auto opened = store_->open(target->rel);
    switch (opened.status) {
      case FsStatus::ok:
        r = target->trailingSlash ? errorResponse(404, date, config_.server)
                                  : serveFile(request, date, target->rel, std::move(opened), now);
        break;
      case FsStatus::is_directory: {
        if (!target->trailingSlash) {
          r = errorResponse(301, date, config_.server);
          std::string location = target->path + "/";
          if (!target->query.empty()) location += "?" + target->query;
          r.head.headers.add("Location", location);
          break;
        }
        bool found = false;
        for (const auto& index : config_.index) {
          auto rel = target->rel.empty() ? index : target->rel + "/" + index;
          if (auto file = store_->open(rel); file.status == FsStatus::ok) {
            r = serveFile(request, date, rel, std::move(file), now);
            found = true;
            break;
          }
        }
        if (!found) {
          r = config_.autoindex ? listing(request, date, *target)
                                : errorResponse(403, date, config_.server);
        }
        break;
      }
      case FsStatus::not_found:
        r = errorResponse(404, date, config_.server);
        break;
      case FsStatus::forbidden:
        r = errorResponse(403, date, config_.server);
        break;
      case FsStatus::invalid:
        r = errorResponse(400, date, config_.server);
        break;
    }
  }
  if (head) {
    r.headOnly = true;
    r.body.clear();
    r.file.reset();
  }
  return r;
}

Response StaticSite::serveFile(const codec::Request& request, std::string_view date,
                               const std::string& rel, OpenResult identity, std::time_t now) const {
  const auto& h = request.headers;
  // A precompressed sibling (.br, .gz) for clients that accept it. Vary whenever one exists,
  // so caches keep the variants apart even when this client got the identity.
  struct Variant {
    std::string_view coding, ext, suffix;
  };
  static constexpr Variant kVariants[] = {{"br", ".br", "-br"}, {"gzip", ".gz", "-gz"}};
  auto accept = h.combined("Accept-Encoding");
  bool vary = false;
  double bestQ = 0;
  OpenResult chosen;
  const Variant* chosenVariant = nullptr;
  for (const auto& v : kVariants) {
    auto sibling = store_->open(rel + std::string(v.ext));
    if (sibling.status != FsStatus::ok) continue;
    vary = true;
    double q = accept ? codingQuality(*accept, v.coding) : 0;
    if (q > bestQ) {
      bestQ = q;
      chosen = std::move(sibling);
      chosenVariant = &v;
    }
  }
  if (!chosenVariant) chosen = std::move(identity);
  const auto& info = chosen.file->info();
  const auto etagText = makeEtag(info, chosenVariant ? chosenVariant->suffix : "");
  const codec::EntityTag etag{false, etagText.substr(1, etagText.size() - 2)};
  const std::string_view lastModified =
      now != 0 && info.mtime > now ? date : std::string_view(chosen.file->lastModified());

  Response r;
  auto& out = r.head.headers;
  baseHeaders(out, date, config_.server);
  auto validators = [&](codec::Headers& hs) {
    hs.add("Last-Modified", lastModified);
    hs.add("ETag", etagText);
    if (vary) hs.add("Vary", "Accept-Encoding");
  };

  // Preconditions in the order of RFC 9110 13.2.2.
  if (auto im = h.combined("If-Match")) {
    auto list = codec::parseEntityTagList(*im);
    bool pass =
        list && (list->any || std::any_of(list->tags.begin(), list->tags.end(),
                                          [&](const auto& t) { return strongMatch(t, etag); }));
    if (!pass) return errorResponse(412, date, config_.server);
  } else if (auto ius = h.get("If-Unmodified-Since")) {
    auto t = codec::parseHttpDate(*ius);
    if (t && info.mtime > *t) return errorResponse(412, date, config_.server);
  }
  bool notModified = false;
  if (auto inm = h.combined("If-None-Match")) {
    auto list = codec::parseEntityTagList(*inm);
    notModified =
        list && (list->any || std::any_of(list->tags.begin(), list->tags.end(),
                                          [&](const auto& t) { return weakMatch(t, etag); }));
  } else if (auto ims = h.get("If-Modified-Since")) {
    auto t = codec::parseHttpDate(*ims);
    notModified = t && info.mtime <= *t;
  }
  if (notModified) {
    r.head.status = 304;
    validators(out);
    return r;
  }

  out.add("Content-Type", mimeType(rel));
  if (chosenVariant) out.add("Content-Encoding", chosenVariant->coding);
  out.add("Accept-Ranges", "bytes");
  validators(out);
  r.file = chosen.file;

  auto range = request.method == "GET" ? h.get("Range") : std::nullopt;
  if (range) {
    if (auto ifRange = h.get("If-Range")) {
      bool match = false;
      if (auto tag = codec::parseEntityTag(codec::trimOws(*ifRange))) {
        match = strongMatch(*tag, etag);
      } else if (auto t = codec::parseHttpDate(*ifRange)) {
        match = *t == info.mtime;
      }
      if (!match) range.reset();
    }
  }
  if (range) {
    auto result = codec::evaluateRange(*range, info.size, config_.maxRanges);
    const auto size = std::to_string(info.size);
    if (result.outcome == codec::RangeOutcome::unsatisfiable) {
      auto e = errorResponse(416, date, config_.server);
      e.head.headers.add("Content-Range", "bytes */" + size);
      return e;
    }
    if (result.outcome == codec::RangeOutcome::satisfiable) {
      r.head.status = 206;
      auto contentRange = [&](const codec::ByteRange& b) {
        return "bytes " + std::to_string(b.first) + "-" + std::to_string(b.last) + "/" + size;
      };
      if (result.ranges.size() == 1) {
        const auto& b = result.ranges.front();
        out.add("Content-Range", contentRange(b));
        out.add("Content-Length", std::to_string(b.length()));
        r.body.push_back(Segment{"", b.first, b.length()});
        return r;
      }
      auto sep = boundary();
      auto type = out.get("Content-Type").value_or("application/octet-stream");
      std::string typeCopy(type);
      out.set("Content-Type", "multipart/byteranges; boundary=" + sep);
      for (std::size_t i = 0; i < result.ranges.size(); ++i) {
        const auto& b = result.ranges[i];
        std::string partHead = (i ? "\r\n--" : "--") + sep + "\r\nContent-Type: " + typeCopy +
                               "\r\nContent-Range: " + contentRange(b) + "\r\n\r\n";
        r.body.push_back(Segment{std::move(partHead), b.first, b.length()});
      }
      r.body.push_back(Segment{"\r\n--" + sep + "--\r\n", 0, 0});
      out.add("Content-Length", std::to_string(r.bodyLength()));
      return r;
    }
  }
  r.head.status = 200;
  out.add("Content-Length", std::to_string(info.size));
  if (info.size) r.body.push_back(Segment{"", 0, info.size});
  return r;
}

Response StaticSite::listing(const codec::Request&, std::string_view date,
                             const TargetPath& target) const {
  auto entries = store_->list(target.rel);
  if (!entries) return errorResponse(403, date, config_.server);
  std::sort(entries->begin(), entries->end(), [](const DirEntry& a, const DirEntry& b) {
    if (a.directory != b.directory) return a.directory;
    return a.name < b.name;
  });
  std::string shown = "/" + target.rel + (target.rel.empty() ? "" : "/");
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of " +
                     htmlEscape(shown) + "</title></head><body><h1>Index of " + htmlEscape(shown) +
                     "</h1><hr><pre>\n";
  if (!target.rel.empty()) html += "<a href=\"../\">../</a>\n";
  for (const auto& e : *entries) {
    std::string name = e.name + (e.directory ? "/" : "");
    html += "<a href=\"" + htmlEscape(urlEscape(name)) + "\">" + htmlEscape(name) + "</a>  " +
            codec::formatHttpDate(e.mtime) + "  " +
            (e.directory ? std::string("-") : std::to_string(e.size)) + "\n";
  }
  html += "</pre><hr></body></html>\n";
  Response r;
  r.head.status = 200;
  baseHeaders(r.head.headers, date, config_.server);
  r.head.headers.add("Content-Type", "text/html; charset=utf-8");
  r.head.headers.add("Content-Length", std::to_string(html.size()));
  r.body.push_back(Segment{std::move(html), 0, 0});
  return r;
}

}  // namespace wk::http::engine
