#pragma once
#include <string_view>

namespace wk::http::engine {

// The Content-Type for a file name by its extension (case-insensitive); text types carry
// charset=utf-8. Unknown: application/octet-stream.
std::string_view mimeType(std::string_view fileName);

}  // namespace wk::http::engine
