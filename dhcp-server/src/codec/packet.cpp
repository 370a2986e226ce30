#include "packet.hpp"

#include <algorithm>

#include "wk/bytes.hpp"

namespace wk::dhcp::codec {
namespace {

constexpr std::uint32_t kMagicCookie = 0x63825363;

// boost's error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "dhcp"; }
  std::string message(int ev) const override {
    switch (static_cast<Error>(ev)) {
      case Error::kTruncated:
        return "truncated BOOTP header";
      case Error::kBadCookie:
        return "no DHCP magic cookie";
      case Error::kBadOption:
        return "option runs past its field";
      case Error::kBadOverload:
        return "bad option overload";
      case Error::kNoMessageType:
        return "missing or bad message type";
    }
    return "unknown dhcp error";
  }

 protected:
  ~Category() = default;  // never destroyed: the category lives as long as the process
};
#pragma GCC diagnostic pop

// Reads one options field (the options area, or file/sname under overload). Returns the
// overload value seen (0 if none), or nullopt on a malformed field.
std::optional<std::uint8_t> readOptions(std::span<const std::uint8_t> field, Options& out,
                                        bool allowOverload) {
  ByteReader r(field);
  std::uint8_t overload = 0;
  while (!r.atEnd()) {
    std::uint8_t code = r.u8();
    if (code == opt::kPad) continue;
    if (code == opt::kEnd) break;
    std::uint8_t len = r.u8();
    auto value = r.bytes(len);
    if (!r.ok()) return std::nullopt;
    if (code == opt::kOverload) {
      // Overload inside sname/file would let a message point at itself: refuse it.
      if (!allowOverload || len != 1 || value[0] < 1 || value[0] > 3) return std::nullopt;
      overload = value[0];
      continue;
    }
    out.append(code, value);
  }
  return overload;
}

bool allZero(std::span<const std::uint8_t> s) {
  return std::all_of(s.begin(), s.end(), [](std::uint8_t b) { return b == 0; });
}

// One option instance as it goes on the wire: code, length, up to 255 bytes.
struct Chunk {
  std::uint8_t code;
  std::span<const std::uint8_t> data;
  std::size_t wireSize() const { return 2 + data.size(); }
};

void putChunk(std::uint8_t* dst, const Chunk& c) {
  dst[0] = c.code;
  dst[1] = static_cast<std::uint8_t>(c.data.size());
  std::copy(c.data.begin(), c.data.end(), dst + 2);
}

}  // namespace

const boost::system::error_category& errorCategory() {
  static const Category* category = new Category;
  return *category;
}

std::string_view toString(MessageType t) {
  switch (t) {
    case MessageType::kDiscover:
      return "DISCOVER";
    case MessageType::kOffer:
      return "OFFER";
    case MessageType::kRequest:
      return "REQUEST";
    case MessageType::kDecline:
      return "DECLINE";
    case MessageType::kAck:
      return "ACK";
    case MessageType::kNak:
      return "NAK";
    case MessageType::kRelease:
      return "RELEASE";
    case MessageType::kInform:
      return "INFORM";
  }
  return "?";
}

// --- Options ----------------------------------------------------------------------------

const Bytes* Options::find(std::uint8_t code) const {
  for (const auto& item : items_)
    if (item.code == code) return &item.value;
  return nullptr;
}

void Options::set(std::uint8_t code, Bytes value) {
  for (auto& item : items_)
    if (item.code == code) {
      item.value = std::move(value);
      return;
    }
  items_.push_back({code, std::move(value)});
}

void Options::append(std::uint8_t code, std::span<const std::uint8_t> value) {
  for (auto& item : items_)
    if (item.code == code) {
      item.value.insert(item.value.end(), value.begin(), value.end());
      return;
    }
  items_.push_back({code, Bytes(value.begin(), value.end())});
}

void Options::remove(std::uint8_t code) {
  std::erase_if(items_, [code](const Item& i) { return i.code == code; });
}

std::optional<std::uint8_t> Options::u8(std::uint8_t code) const {
  auto v = find(code);
  if (!v || v->size() != 1) return std::nullopt;
  return (*v)[0];
}

std::optional<std::uint16_t> Options::u16(std::uint8_t code) const {
  auto v = find(code);
  if (!v || v->size() != 2) return std::nullopt;
  return static_cast<std::uint16_t>((*v)[0] << 8 | (*v)[1]);
}

std::optional<std::uint32_t> Options::u32(std::uint8_t code) const {
  auto v = find(code);
  if (!v || v->size() != 4) return std::nullopt;
  return std::uint32_t{(*v)[0]} << 24 | std::uint32_t{(*v)[1]} << 16 | std::uint32_t{(*v)[2]} << 8 |
         (*v)[3];
}

void Options::setU16(std::uint8_t code, std::uint16_t v) {
  set(code, {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}

void Options::setU32(std::uint8_t code, std::uint32_t v) {
  set(code, {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}

void Options::setIps(std::uint8_t code, std::span<const Ip4> v) {
  Bytes b;
  b.reserve(v.size() * 4);
  for (Ip4 ip : v)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(ip >> s));
  set(code, std::move(b));
}

void Options::setText(std::uint8_t code, std::string_view v) {
  set(code, Bytes(v.begin(), v.end()));
}

// --- Packet -----------------------------------------------------------------------------

std::optional<MessageType> Packet::messageType() const {
  auto t = options.u8(opt::kMessageType);
  if (!t || *t < 1 || *t > 8) return std::nullopt;
  return static_cast<MessageType>(*t);
}

std::span<const std::uint8_t> Packet::hardwareAddress() const {
  return {chaddr.data(), std::min<std::size_t>(hlen, chaddr.size())};
}

Result<Packet> parse(std::span<const std::uint8_t> data) {
  if (data.size() < kFixedSize) return Error::kTruncated;
  ByteReader r(data);
  Packet p;
  p.op = r.u8();
  p.htype = r.u8();
  p.hlen = r.u8();
  p.hops = r.u8();
  p.xid = r.u32();
  p.secs = r.u16();
  p.flags = r.u16();
  p.ciaddr = r.u32();
  p.yiaddr = r.u32();
  p.siaddr = r.u32();
  p.giaddr = r.u32();
  auto ch = r.bytes(16);
  std::copy(ch.begin(), ch.end(), p.chaddr.begin());
  auto sn = r.bytes(64);
  auto fl = r.bytes(128);
  if (r.remaining() < 4 || r.u32() != kMagicCookie) return Error::kBadCookie;
  auto overload = readOptions(r.rest(), p.options, true);
  if (!overload) return Error::kBadOption;
  // RFC 3396: the options field, then file, then sname.
  if (*overload & 1) {
    if (!readOptions(fl, p.options, false)) return Error::kBadOverload;
  } else {
    std::copy(fl.begin(), fl.end(), p.file.begin());
  }
  if (*overload & 2) {
    if (!readOptions(sn, p.options, false)) return Error::kBadOverload;
  } else {
    std::copy(sn.begin(), sn.end(), p.sname.begin());
  }
  if (!p.messageType()) return Error::kNoMessageType;
  return p;
}

bool serialize(const Packet& packet, std::vector<std::uint8_t>& out, std::size_t maxSize) {
  maxSize = std::max(maxSize, kDefaultMaxMessage);
  out.clear();
  ByteWriter w(out);
  w.u8(packet.op);
  w.u8(packet.htype);
  w.u8(packet.hlen);
  w.u8(packet.hops);
  w.u32(packet.xid);
  w.u16(packet.secs);
  w.u16(packet.flags);
  w.u32(packet.ciaddr);
  w.u32(packet.yiaddr);
  w.u32(packet.siaddr);
  w.u32(packet.giaddr);
  w.bytes(packet.chaddr);
  const std::size_t snameAt = out.size();
  w.bytes(packet.sname);
  const std::size_t fileAt = out.size();
  w.bytes(packet.file);
  w.u32(kMagicCookie);

  std::vector<Chunk> chunks;
  for (const auto& item : packet.options.items()) {
    if (item.code == opt::kPad || item.code == opt::kEnd || item.code == opt::kOverload) continue;
    std::span<const std::uint8_t> v = item.value;
    if (v.empty()) {
      chunks.push_back({item.code, v});
      continue;
    }
    for (std::size_t at = 0; at < v.size(); at += 255)
      chunks.push_back({item.code, v.subspan(at, std::min<std::size_t>(255, v.size() - at))});
  }

  // Main options field: room for everything up to maxSize, keeping 1 byte for End and 3
  // for option 52 in case we spill.
  std::size_t total = 0;
  for (const auto& c : chunks) total += c.wireSize();
  const std::size_t mainRoom = maxSize - out.size() - 1;
  bool fileFree = allZero(packet.file), snameFree = allZero(packet.sname);
  bool mandatoryDropped = false;
  std::array<std::uint8_t, 128> fileField{};
  std::array<std::uint8_t, 64> snameField{};
  std::size_t fileUsed = 0, snameUsed = 0;
  std::uint8_t overload = 0;
  if (total <= mainRoom) {
    for (const auto& c : chunks) {
      std::size_t at = out.size();
      out.resize(at + c.wireSize());
      putChunk(out.data() + at, c);
    }
  } else {
    std::size_t room = mainRoom - 3;
    std::vector<std::uint8_t> main;
    for (const auto& c : chunks) {
      if (main.size() + c.wireSize() <= room) {
        std::size_t at = main.size();
        main.resize(at + c.wireSize());
        putChunk(main.data() + at, c);
      } else if (fileFree && fileUsed + c.wireSize() + 1 <= fileField.size()) {
        putChunk(fileField.data() + fileUsed, c);
        fileUsed += c.wireSize();
        overload |= 1;
      } else if (snameFree && snameUsed + c.wireSize() + 1 <= snameField.size()) {
        putChunk(snameField.data() + snameUsed, c);
        snameUsed += c.wireSize();
        overload |= 2;
      } else if (c.code == opt::kMessageType || c.code == opt::kServerId) {
        mandatoryDropped = true;
      }
    }
    if (overload) {
      out.push_back(opt::kOverload);
      out.push_back(1);
      out.push_back(overload);
    }
    out.insert(out.end(), main.begin(), main.end());
    if (overload & 1) {
      fileField[fileUsed] = opt::kEnd;
      std::copy(fileField.begin(), fileField.end(), out.begin() + fileAt);
    }
    if (overload & 2) {
      snameField[snameUsed] = opt::kEnd;
      std::copy(snameField.begin(), snameField.end(), out.begin() + snameAt);
    }
  }
  out.push_back(opt::kEnd);
  if (out.size() < kMinMessage) out.resize(kMinMessage, 0);
  return !mandatoryDropped;
}

}  // namespace wk::dhcp::codec
