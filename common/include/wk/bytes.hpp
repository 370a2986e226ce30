#pragma once
// Bounds-checked reading and writing of binary wire formats (DNS, DHCP, TFTP).
//
// Neither class throws. A reader that runs past its end enters a sticky failed state:
// every later read returns zero, and ok() tells the codec to reject the message. That
// keeps codecs linear ("read, read, read, then check once") without a branch per field.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace wk {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
  bool atEnd() const { return remaining() == 0; }
  std::span<const std::uint8_t> whole() const { return data_; }

  // Marks the reader failed; used by codecs that find a semantic error mid-parse.
  void fail() { ok_ = false; }

  // Moves to an absolute offset (e.g. a DNS compression pointer); fails if out of range.
  bool seek(std::size_t offset) {
    if (!ok_ || offset > data_.size()) return ok_ = false;
    pos_ = offset;
    return true;
  }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t u16() {
    if (!need(2)) return 0;
    std::uint16_t v = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() {
    if (!need(4)) return 0;
    std::uint32_t v = std::uint32_t{data_[pos_]} << 24 | std::uint32_t{data_[pos_ + 1]} << 16 |
                      std::uint32_t{data_[pos_ + 2]} << 8 | std::uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return v;
  }
  // The next n bytes as a view into the input (empty and failed if fewer remain).
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!need(n)) return {};
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view text(std::size_t n) {
    auto s = bytes(n);
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }
  bool skip(std::size_t n) { return need(n) && (pos_ += n, true); }
  std::span<const std::uint8_t> rest() { return bytes(remaining()); }

 private:
  bool need(std::size_t n) {
    if (!ok_ || data_.size() - pos_ < n) return ok_ = false;
    return true;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Appends big-endian fields to a caller-owned buffer, never growing it past `limit`.
// Exceeding the limit sets overflow() and drops the write: callers building a UDP reply
// use it to detect "does not fit" and set TC or split the message.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out, std::size_t limit = SIZE_MAX)
      : out_(out), limit_(limit) {}

  std::size_t size() const { return out_.size(); }
  bool overflow() const { return overflow_; }
  std::size_t limit() const { return limit_; }
  void setLimit(std::size_t limit) { limit_ = limit; }

  void u8(std::uint8_t v) {
    if (room(1)) out_.push_back(v);
  }
  void u16(std::uint16_t v) {
    if (!room(2)) return;
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    if (!room(4)) return;
    for (int shift = 24; shift >= 0; shift -= 8)
      out_.push_back(static_cast<std::uint8_t>(v >> shift));
  }
  void bytes(std::span<const std::uint8_t> b) {
    if (room(b.size())) out_.insert(out_.end(), b.begin(), b.end());
  }
  void text(std::string_view s) {
    bytes({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  }
  void zeros(std::size_t n) {
    if (room(n)) out_.insert(out_.end(), n, 0);
  }
  // Overwrites a u16 written earlier (lengths and counts known only afterwards).
  void patchU16(std::size_t offset, std::uint16_t v) {
    if (offset + 2 > out_.size()) return;
    out_[offset] = static_cast<std::uint8_t>(v >> 8);
    out_[offset + 1] = static_cast<std::uint8_t>(v);
  }
  // Cuts the buffer back to an earlier size (undoing a record that did not fit).
  void truncate(std::size_t size) {
    if (size < out_.size()) out_.resize(size);
    overflow_ = false;
  }

 private:
  bool room(std::size_t n) {
    if (overflow_ || out_.size() + n > limit_) {
      overflow_ = true;
      return false;
    }
    return true;
  }

  std::vector<std::uint8_t>& out_;
  std::size_t limit_;
  bool overflow_ = false;
};

}  // namespace wk
