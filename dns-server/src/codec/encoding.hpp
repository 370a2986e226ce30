#pragma once
// Text encodings used by record presentation formats: base64 (RFC 4648 4), base32hex
// without padding (NSEC3, RFC 5155), hex. Decoders ignore nothing: any bad character fails.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wk::dns::codec {

std::string toBase64(std::span<const std::uint8_t> data);
bool fromBase64(std::string_view text, std::vector<std::uint8_t>& out);
std::string toBase32Hex(std::span<const std::uint8_t> data);  // upper case, no padding
bool fromBase32Hex(std::string_view text, std::vector<std::uint8_t>& out);
std::string toHex(std::span<const std::uint8_t> data);  // upper case
bool fromHex(std::string_view text, std::vector<std::uint8_t>& out);

}  // namespace wk::dns::codec
