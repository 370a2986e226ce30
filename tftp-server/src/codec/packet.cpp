#include "codec/packet.hpp"

#include "wk/bytes.hpp"

namespace wk::tftp::codec {
namespace {

// Reads a NUL-terminated string; fails the reader when there is no terminator.
std::string_view readString(ByteReader& r) {
  auto rest = r.whole().subspan(r.position());
  if (!r.ok()) return {};
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == 0) {
      auto text = r.text(i);
      r.skip(1);
      return text;
    }
  }
  r.fail();
  return {};
}

Mode modeOf(std::string_view text) {
  if (equalsNoCase(text, "octet")) return Mode::octet;
  if (equalsNoCase(text, "netascii")) return Mode::netascii;
  if (equalsNoCase(text, "mail")) return Mode::mail;
  return Mode::unknown;
}

// Options follow the mode as name/value pairs of NUL-terminated strings. Some clients
// pad the request with extra NULs; an empty name at the end is tolerated as padding.
bool readOptions(ByteReader& r, std::vector<Option>& options) {
  while (r.remaining() > 0) {
    auto name = readString(r);
    if (!r.ok()) return false;
    if (name.empty()) {
      // Trailing padding: only NULs may follow.
      for (auto b : r.rest())
        if (b != 0) return false;
      return true;
    }
    auto value = readString(r);
    if (!r.ok()) return false;
    if (options.size() >= kMaxOptions) return false;
    options.push_back({name, value});
  }
  return true;
}

}  // namespace

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::uint16_t peekOpcode(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < 2) return 0;
  return static_cast<std::uint16_t>(datagram[0] << 8 | datagram[1]);
}

std::optional<Packet> parse(std::span<const std::uint8_t> datagram) {
  ByteReader r(datagram);
  auto op = r.u16();
  if (!r.ok()) return std::nullopt;
  switch (op) {
    case 1:
    case 2: {
      Request req;
      req.op = static_cast<Opcode>(op);
      req.filename = readString(r);
      req.modeText = readString(r);
      if (!r.ok()) return std::nullopt;
      req.mode = modeOf(req.modeText);
      if (!readOptions(r, req.options)) return std::nullopt;
      return Packet{std::move(req)};
    }
    case 3: {
      Data d;
      d.block = r.u16();
      if (!r.ok()) return std::nullopt;
      d.payload = r.rest();
      return Packet{d};
    }
    case 4: {
      Ack a;
      a.block = r.u16();
      if (!r.ok()) return std::nullopt;
      return Packet{a};  // trailing bytes are ignored, as every server does
    }
    case 5: {
      Error e;
      e.code = r.u16();
      if (!r.ok()) return std::nullopt;
      auto rest = r.rest();
      // Lenient: a message without its terminating NUL is still an error report.
      std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
      e.message = text.substr(0, text.find('\0'));
      return Packet{e};
    }
    case 6: {
      Oack o;
      if (!readOptions(r, o.options)) return std::nullopt;
      return Packet{std::move(o)};
    }
    default:
      return std::nullopt;
  }
}

namespace {
void putString(ByteWriter& w, std::string_view s) {
  w.text(s);
  w.u8(0);
}
}  // namespace

void appendRequest(std::vector<std::uint8_t>& out, Opcode op, std::string_view filename,
                   std::string_view mode, const std::vector<Option>& options) {
  ByteWriter w(out);
  w.u16(static_cast<std::uint16_t>(op));
  putString(w, filename);
  putString(w, mode);
  for (const auto& o : options) {
    putString(w, o.name);
    putString(w, o.value);
  }
}

void appendAck(std::vector<std::uint8_t>& out, std::uint16_t block) {
  ByteWriter w(out);
  w.u16(static_cast<std::uint16_t>(Opcode::ack));
  w.u16(block);
}

void appendError(std::vector<std::uint8_t>& out, ErrorCode code, std::string_view message) {
  ByteWriter w(out);
  w.u16(static_cast<std::uint16_t>(Opcode::error));
  w.u16(static_cast<std::uint16_t>(code));
  putString(w, message);
}

void appendOack(std::vector<std::uint8_t>& out, const std::vector<Option>& options) {
  ByteWriter w(out);
  w.u16(static_cast<std::uint16_t>(Opcode::oack));
  for (const auto& o : options) {
    putString(w, o.name);
    putString(w, o.value);
  }
}

void appendData(std::vector<std::uint8_t>& out, std::uint16_t block,
                std::span<const std::uint8_t> payload) {
  ByteWriter w(out);
  w.u16(static_cast<std::uint16_t>(Opcode::data));
  w.u16(block);
  w.bytes(payload);
}

}  // namespace wk::tftp::codec
