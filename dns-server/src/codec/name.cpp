#include "codec/name.hpp"

#include <algorithm>
#include <cstring>

namespace wk::dns::codec {

std::optional<Name> Name::fromWire(std::span<const std::uint8_t> wire) {
  if (wire.empty() || wire.size() > kMaxNameLength) return std::nullopt;
  std::size_t pos = 0;
  while (true) {
    if (pos >= wire.size()) return std::nullopt;
    std::uint8_t len = wire[pos];
    if (len > kMaxLabelLength) return std::nullopt;
    if (len == 0) break;
    pos += 1 + len;
  }
  if (pos + 1 != wire.size()) return std::nullopt;
  Name n;
  std::memcpy(n.data_.data(), wire.data(), wire.size());
  n.size_ = static_cast<std::uint8_t>(wire.size());
  return n;
}

std::optional<Name> Name::fromText(std::string_view text, const Name* origin) {
  Name n;
  if (text == ".") return n;
  if (text.empty()) return std::nullopt;
  std::uint8_t buf[kMaxNameLength + 64];
  std::size_t out = 0;
  std::size_t labelStart = 0;
  buf[0] = 0;
  out = 1;
  bool absolute = false;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '.') {
      std::size_t len = out - labelStart - 1;
      if (len == 0) return std::nullopt;  // empty label
      if (len > kMaxLabelLength) return std::nullopt;
      buf[labelStart] = static_cast<std::uint8_t>(len);
      ++i;
      if (i == text.size()) {
        absolute = true;
        break;
      }
      labelStart = out;
      buf[out++] = 0;
      if (out > kMaxNameLength) return std::nullopt;
      continue;
    }
    std::uint8_t byte;
    if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      char d = text[i + 1];
      if (d >= '0' && d <= '9') {
        if (i + 3 >= text.size()) return std::nullopt;
        int v = 0;
        for (int k = 1; k <= 3; ++k) {
          char e = text[i + k];
          if (e < '0' || e > '9') return std::nullopt;
          v = v * 10 + (e - '0');
        }
        if (v > 255) return std::nullopt;
        byte = static_cast<std::uint8_t>(v);
        i += 4;
      } else {
        byte = static_cast<std::uint8_t>(d);
        i += 2;
      }
    } else {
      byte = static_cast<std::uint8_t>(c);
      ++i;
    }
    if (out >= kMaxNameLength) return std::nullopt;
    buf[out++] = byte;
  }
  if (!absolute) {
    std::size_t len = out - labelStart - 1;
    if (len == 0 || len > kMaxLabelLength) return std::nullopt;
    buf[labelStart] = static_cast<std::uint8_t>(len);
  }
  // buf[0..out) holds labels without the terminating root.
  if (absolute || origin == nullptr) {
    if (!absolute && origin == nullptr) return std::nullopt;
    if (out + 1 > kMaxNameLength) return std::nullopt;
    buf[out++] = 0;
    std::memcpy(n.data_.data(), buf, out);
    n.size_ = static_cast<std::uint8_t>(out);
    return n;
  }
  if (out + origin->size() > kMaxNameLength) return std::nullopt;
  std::memcpy(n.data_.data(), buf, out);
  std::memcpy(n.data_.data() + out, origin->data_.data(), origin->size());
  n.size_ = static_cast<std::uint8_t>(out + origin->size());
  return n;
}

unsigned Name::labelCount() const {
  unsigned count = 0;
  for (std::size_t pos = 0; data_[pos] != 0; pos += 1 + data_[pos]) ++count;
  return count;
}

void appendLabelText(std::string& out, std::span<const std::uint8_t> label) {
  for (std::uint8_t c : label) {
    if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
        c == '$') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c <= 0x20 || c >= 0x7f) {
      char buf[5];
      buf[0] = '\\';
      buf[1] = static_cast<char>('0' + c / 100);
      buf[2] = static_cast<char>('0' + c / 10 % 10);
      buf[3] = static_cast<char>('0' + c % 10);
      out.append(buf, 4);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

std::string Name::toText() const {
  if (isRoot()) return ".";
  std::string out;
  out.reserve(size_);
  for (std::size_t pos = 0; data_[pos] != 0; pos += 1 + data_[pos]) {
    appendLabelText(out, {data_.data() + pos + 1, data_[pos]});
    out.push_back('.');
  }
  return out;
}

Name Name::parent() const {
  return stripLabels(1);
}

Name Name::stripLabels(unsigned n) const {
  std::size_t pos = 0;
  for (unsigned i = 0; i < n && data_[pos] != 0; ++i) pos += 1 + data_[pos];
  Name out;
  out.size_ = static_cast<std::uint8_t>(size_ - pos);
  std::memcpy(out.data_.data(), data_.data() + pos, out.size_);
  return out;
}

bool Name::prepend(std::span<const std::uint8_t> label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  if (size_ + 1 + label.size() > kMaxNameLength) return false;
  std::memmove(data_.data() + 1 + label.size(), data_.data(), size_);
  data_[0] = static_cast<std::uint8_t>(label.size());
  std::memcpy(data_.data() + 1, label.data(), label.size());
  size_ = static_cast<std::uint8_t>(size_ + 1 + label.size());
  return true;
}

bool Name::append(const Name& suffix) {
  if (std::size_t{size_} - 1 + suffix.size_ > kMaxNameLength) return false;
  std::memcpy(data_.data() + size_ - 1, suffix.data_.data(), suffix.size_);
  size_ = static_cast<std::uint8_t>(size_ - 1 + suffix.size_);
  return true;
}

Name Name::lowered() const {
  Name out = *this;
  for (std::size_t i = 0; i < size_; ++i) out.data_[i] = lowerAscii(data_[i]);
  // Length bytes are <= 63 and never in 'A'..'Z' (65..90), so lowering them is a no-op.
  return out;
}

bool wireNamesEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lowerAscii(a[i]) != lowerAscii(b[i])) return false;
  return true;
}

bool Name::equals(const Name& other) const {
  return wireNamesEqual(wire(), other.wire());
}

bool Name::isSubdomainOf(const Name& ancestor) const {
  if (ancestor.size_ > size_) return false;
  std::size_t pos = 0;
  while (size_ - pos > std::size_t{ancestor.size_}) pos += 1 + data_[pos];
  if (size_ - pos != std::size_t{ancestor.size_}) return false;
  return wireNamesEqual({data_.data() + pos, ancestor.size_}, ancestor.wire());
}

int Name::canonicalCompare(const Name& other) const {
  // Compare label by label from the right.
  std::array<std::uint8_t, 128> la{}, lb{};
  std::size_t na = 0, nb = 0;
  for (std::size_t p = 0; data_[p] != 0; p += 1 + data_[p]) la[na++] = static_cast<std::uint8_t>(p);
  for (std::size_t p = 0; other.data_[p] != 0; p += 1 + other.data_[p])
    lb[nb++] = static_cast<std::uint8_t>(p);
  while (na > 0 && nb > 0) {
    --na;
    --nb;
    const std::uint8_t* a = data_.data() + la[na];
    const std::uint8_t* b = other.data_.data() + lb[nb];
    std::size_t n = std::min(a[0], b[0]);
    for (std::size_t i = 1; i <= n; ++i) {
      int d = int(lowerAscii(a[i])) - int(lowerAscii(b[i]));
      if (d != 0) return d;
    }
    if (a[0] != b[0]) return int(a[0]) - int(b[0]);
  }
  if (na == nb) return 0;
  return na > 0 ? 1 : -1;
}

bool readName(ByteReader& reader, Name& out) {
  auto whole = reader.whole();
  std::size_t pos = reader.position();
  std::size_t limit = pos;  // pointers must point below this
  std::size_t resume = 0;   // where the reader continues after the first pointer
  bool jumped = false;
  std::uint8_t buf[kMaxNameLength];
  std::size_t len = 0;
  if (!reader.ok()) return false;
  while (true) {
    if (pos >= whole.size()) {
      reader.fail();
      return false;
    }
    std::uint8_t b = whole[pos];
    if ((b & 0xc0) == 0xc0) {
      if (pos + 1 >= whole.size()) {
        reader.fail();
        return false;
      }
      std::size_t target = std::size_t(b & 0x3f) << 8 | whole[pos + 1];
      if (!jumped) {
        resume = pos + 2;
        jumped = true;
      }
      if (target >= limit) {  // forward or self pointer: a loop or garbage
        reader.fail();
        return false;
      }
      limit = target;
      pos = target;
      continue;
    }
    if ((b & 0xc0) != 0) {  // 0x40/0x80: extended label types are obsolete
      reader.fail();
      return false;
    }
    if (pos + 1 + b > whole.size() || len + 1 + b > kMaxNameLength) {
      reader.fail();
      return false;
    }
    std::memcpy(buf + len, whole.data() + pos, 1 + b);
    len += 1 + b;
    pos += 1 + b;
    if (b == 0) break;
  }
  auto name = Name::fromWire({buf, len});
  if (!name) {
    reader.fail();
    return false;
  }
  out = *name;
  reader.seek(jumped ? resume : pos);
  return true;
}

bool Compressor::matchesAt(std::size_t offset, std::span<const std::uint8_t> suffix) const {
  std::size_t pos = offset;
  std::size_t i = 0;
  int jumps = 0;
  while (true) {
    if (pos >= message_.size()) return false;
    std::uint8_t b = message_[pos];
    if ((b & 0xc0) == 0xc0) {
      if (pos + 1 >= message_.size() || ++jumps > 64) return false;
      pos = std::size_t(b & 0x3f) << 8 | message_[pos + 1];
      continue;
    }
    if (i >= suffix.size() || suffix[i] != b) return false;
    if (b == 0) return true;
    if (pos + 1 + b > message_.size() || i + 1 + b > suffix.size()) return false;
    for (std::size_t k = 1; k <= b; ++k)
      if (lowerAscii(message_[pos + k]) != lowerAscii(suffix[i + k])) return false;
    pos += 1 + b;
    i += 1 + b;
  }
}

void Compressor::remember(std::size_t offset, const Name& name) {
  auto w = name.wire();
  for (std::size_t p = 0; w[p] != 0; p += 1 + w[p]) {
    if (offset + p >= 0x4000 || count_ >= kEntries) return;
    offsets_[count_++] = static_cast<std::uint16_t>(offset + p);
  }
}

void Compressor::write(ByteWriter& out, const Name& name, bool compress) {
  auto w = name.wire();
  std::size_t start = out.size();
  std::size_t p = 0;
  while (w[p] != 0) {
    if (compress) {
      auto suffix = w.subspan(p);
      for (std::size_t e = 0; e < count_; ++e) {
        if (matchesAt(offsets_[e], suffix)) {
          out.bytes(w.subspan(0, p));
          out.u16(static_cast<std::uint16_t>(0xc000 | offsets_[e]));
          if (!out.overflow()) {
            for (std::size_t q = 0; q < p; q += 1 + w[q]) {
              if (start + q >= 0x4000 || count_ >= kEntries) break;
              offsets_[count_++] = static_cast<std::uint16_t>(start + q);
            }
          }
          return;
        }
      }
    }
    p += 1 + w[p];
  }
  out.bytes(w);
  if (!out.overflow()) remember(start, name);
}

}  // namespace wk::dns::codec
