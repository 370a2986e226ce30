#include "codec/conditional.hpp"

#include <array>
#include <cstdio>
#include <cstring>

#include "codec/headers.hpp"

namespace wk::http::codec {

namespace {

constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int monthIndex(std::string_view m) {
  for (int i = 0; i < 12; ++i) {
    if (m == kMonths[static_cast<std::size_t>(i)]) return i;
  }
  return -1;
}

bool digits(std::string_view s, std::size_t n, int& out) {
  if (s.size() != n) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

bool parseClock(std::string_view s, int& h, int& m, int& sec) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' && digits(s.substr(0, 2), 2, h) &&
         digits(s.substr(3, 2), 2, m) && digits(s.substr(6, 2), 2, sec) && h < 24 && m < 60 &&
         sec < 61;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
long long daysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

std::optional<std::time_t> build(int year, int month, int day, int h, int m, int s) {
  if (month < 0 || day < 1 || day > 31 || year < 1900 || year > 9999) return std::nullopt;
  long long days =
      daysFromCivil(year, static_cast<unsigned>(month + 1), static_cast<unsigned>(day));
  return static_cast<std::time_t>(days * 86400 + h * 3600 + m * 60 + s);
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string formatHttpDate(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                kDays[static_cast<std::size_t>(tm.tm_wday % 7)], tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon % 12)], tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::time_t> parseHttpDate(std::string_view text) {
  text = trimOws(text);
  if (text.size() > 64) return std::nullopt;
  auto w = words(text);
  int day = 0, year = 0, h = 0, m = 0, s = 0;
  if (w.size() == 6 && w[0].size() == 4 && w[0][3] == ',' && w[5] == "GMT") {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (!digits(w[1], 2, day) || !digits(w[3], 4, year) || !parseClock(w[4], h, m, s)) {
      return std::nullopt;
    }
    return build(year, monthIndex(w[2]), day, h, m, s);
  }
  if (w.size() == 4 && w[3] == "GMT" && w[1].size() == 9 && w[1][2] == '-' && w[1][6] == '-') {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT; two-digit years per RFC 9110 5.6.7 (50 years).
    int yy = 0;
    if (!digits(w[1].substr(0, 2), 2, day) || !digits(w[1].substr(7, 2), 2, yy) ||
        !parseClock(w[2], h, m, s)) {
      return std::nullopt;
    }
    year = yy < 70 ? 2000 + yy : 1900 + yy;
    return build(year, monthIndex(w[1].substr(3, 3)), day, h, m, s);
  }
  if (w.size() == 5 && w[0].size() == 3) {
    // asctime: Sun Nov  6 08:49:37 1994
    if ((w[2].size() != 1 && w[2].size() != 2)) return std::nullopt;
    if (!digits(w[2], w[2].size(), day) || !parseClock(w[3], h, m, s) || !digits(w[4], 4, year)) {
      return std::nullopt;
    }
    return build(year, monthIndex(w[1]), day, h, m, s);
  }
  return std::nullopt;
}

std::string EntityTag::toString() const {
  return (weak ? "W/\"" : "\"") + opaque + "\"";
}

std::optional<EntityTag> parseEntityTag(std::string_view text) {
  EntityTag tag;
  if (text.starts_with("W/")) {
    tag.weak = true;
    text.remove_prefix(2);
  }
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
  auto inner = text.substr(1, text.size() - 2);
  for (char c : inner) {
    auto u = static_cast<unsigned char>(c);
    // etagc = %x21 / %x23-7E / obs-text
    if (!(u == 0x21 || (u >= 0x23 && u <= 0x7e) || u >= 0x80)) return std::nullopt;
  }
  tag.opaque = inner;
  return tag;
}

bool strongMatch(const EntityTag& a, const EntityTag& b) {
  return !a.weak && !b.weak && a.opaque == b.opaque;
}

bool weakMatch(const EntityTag& a, const EntityTag& b) {
  return a.opaque == b.opaque;
}

std::optional<EntityTagList> parseEntityTagList(std::string_view text) {
  EntityTagList list;
  text = trimOws(text);
  if (text == "*") {
    list.any = true;
    return list;
  }
  for (auto item : splitList(text)) {
    auto tag = parseEntityTag(item);
    if (!tag) return std::nullopt;
    list.tags.push_back(std::move(*tag));
  }
  if (list.tags.empty()) return std::nullopt;
  return list;
}

}  // namespace wk::http::codec
