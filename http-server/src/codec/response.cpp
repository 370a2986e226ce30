#include "codec/response.hpp"

#include <cstdio>

namespace wk::http::codec {

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

namespace {
void appendSafe(std::string_view s, std::string& out) {
  // Fast path: values we build never hold these bytes.
  if (s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos) {
    out.append(s);
    return;
  }
  for (char c : s) out.push_back((c == '\r' || c == '\n' || c == '\0') ? ' ' : c);
}
}  // namespace

void serializeHead(const ResponseHead& head, std::string& out) {
  int status = (head.status >= 100 && head.status <= 999) ? head.status : 500;
  char line[16] = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' '};
  line[9] = static_cast<char>('0' + status / 100);
  line[10] = static_cast<char>('0' + status / 10 % 10);
  line[11] = static_cast<char>('0' + status % 10);
  line[12] = ' ';
  out.append(line, 13);
  out += reasonPhrase(status);
  out += "\r\n";
  for (const auto& f : head.headers.fields()) {
    appendSafe(f.name, out);
    out += ": ";
    appendSafe(f.value, out);
    out += "\r\n";
  }
  out += "\r\n";
}

void appendChunk(std::string_view data, std::string& out) {
  if (data.empty()) return;  // an empty chunk would end the body
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out += size;
  out += data;
  out += "\r\n";
}

void appendLastChunk(std::string& out) {
  out += "0\r\n\r\n";
}

}  // namespace wk::http::codec
