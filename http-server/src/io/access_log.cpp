#include "io/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace wk::http::io {

namespace {

void appendEscaped(std::string& out, std::string_view s) {
  if (s.empty()) {
    out.push_back('-');
    return;
  }
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string formatCombined(const AccessEntry& e) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&e.time, &tm);
  char when[40];
  std::snprintf(when, sizeof when, "[%02d/%s/%04d:%02d:%02d:%02d +0000]", tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out;
  out.reserve(160 + e.target.size() + e.userAgent.size());
  out += e.remote;
  out += " - - ";
  out += when;
  out += " \"";
  if (e.method.empty()) {
    out.push_back('-');
  } else {
    appendEscaped(out, e.method);
    out.push_back(' ');
    appendEscaped(out, e.target);
    out += e.versionMinor == 0 ? " HTTP/1.0" : " HTTP/1.1";
  }
  out += "\" ";
  out += std::to_string(e.status);
  out.push_back(' ');
  out += std::to_string(e.bytes);
  out += " \"";
  appendEscaped(out, e.referer);
  out += "\" \"";
  appendEscaped(out, e.userAgent);
  out += "\"\n";
  return out;
}

AccessLog::AccessLog(const std::filesystem::path& path) {
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    throw std::runtime_error("cannot open access log " + path.string() + ": " +
                             std::strerror(errno));
  }
  owned_ = true;
}

AccessLog::~AccessLog() {
  if (owned_) ::close(fd_);
}

void AccessLog::write(const AccessEntry& e) const {
  auto line = formatCombined(e);
  // A full disk or a closed pipe must not take the server down: the line is dropped.
  [[maybe_unused]] auto n = ::write(fd_, line.data(), line.size());
}

}  // namespace wk::http::io
