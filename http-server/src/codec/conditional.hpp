#pragma once
// Validators and conditional-request fields (RFC 9110 8.8, 13.1): HTTP dates, entity tags
// and their lists (If-Match, If-None-Match, If-Range).

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wk::http::codec {

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string formatHttpDate(std::time_t t);
// IMF-fixdate, or the obsolete RFC 850 and asctime forms recipients must accept.
std::optional<std::time_t> parseHttpDate(std::string_view text);

struct EntityTag {
  bool weak = false;
  std::string opaque;            // between the quotes
  std::string toString() const;  // W/"..." or "..."
  bool operator==(const EntityTag&) const = default;
};

std::optional<EntityTag> parseEntityTag(std::string_view text);
bool strongMatch(const EntityTag& a, const EntityTag& b);
bool weakMatch(const EntityTag& a, const EntityTag& b);

// "*" or a list of entity tags.
struct EntityTagList {
  bool any = false;
  std::vector<EntityTag> tags;
};
// nullopt if any element is malformed (the caller then ignores the field).
std::optional<EntityTagList> parseEntityTagList(std::string_view text);

}  // namespace wk::http::codec
