#pragma once
// SVCB/HTTPS SvcParams (RFC 9460 2.1) in presentation form.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/rdata.hpp"

namespace wk::dns::codec {

// " key=value key=value" (leading space per param), or "" when there are none.
std::string svcParamsToText(std::span<const std::uint8_t> params);
// Parses key[=value] tokens, sorts them by key (wire order is ascending) and appends.
bool svcParamsFromText(std::span<const Token> tokens, std::vector<std::uint8_t>& out,
                       std::string& error);

}  // namespace wk::dns::codec
