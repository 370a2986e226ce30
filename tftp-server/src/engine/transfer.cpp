#include "engine/transfer.hpp"

#include <algorithm>
#include <cstring>

namespace wk::tftp::engine {

using codec::ErrorCode;

namespace {
constexpr std::size_t kReadAhead = 32 << 10;
}  // namespace

void Transfer::sendError(ErrorCode code, std::string_view message) {
  control_.clear();
  codec::appendError(control_, code, message);
  send(control_);
}

void Transfer::sendOack() {
  std::vector<codec::Option> options;
  options.reserve(negotiated_.accepted.size());
  for (const auto& [name, value] : negotiated_.accepted) options.push_back({name, value});
  control_.clear();
  codec::appendOack(control_, options);
  send(control_);
}

// ---------------------------------------------------------------------------------------
// Read

ReadTransfer::ReadTransfer(Negotiated negotiated, unsigned retries,
                           std::unique_ptr<ReadableFile> file, codec::Mode mode)
    : Transfer(std::move(negotiated), retries),
      file_(std::move(file)),
      netascii_(mode == codec::Mode::netascii) {
  window_.resize(std::size_t{negotiated_.windowsize} * (codec::kHeaderSize + negotiated_.blksize));
  const std::size_t windowBytes = std::size_t{negotiated_.windowsize} * negotiated_.blksize;
  if (!netascii_ && windowBytes < kReadAhead)
    ahead_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(kReadAhead, file_->size() + 1)));
}

std::ptrdiff_t ReadTransfer::readOctet(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (ahead_.empty()) return file_->read(offset, out);
  const std::uint64_t end = aheadOffset_ + aheadLength_;
  const bool inside =
      offset >= aheadOffset_ && offset <= end && (offset + out.size() <= end || aheadAtEnd_);
  if (!inside) {
    auto n = file_->read(offset, ahead_);
    if (n < 0) return -1;
    aheadOffset_ = offset;
    aheadLength_ = static_cast<std::size_t>(n);
    aheadAtEnd_ = aheadLength_ < ahead_.size();
  }
  auto from = static_cast<std::size_t>(offset - aheadOffset_);
  std::size_t n = std::min(out.size(), aheadLength_ - from);
  std::memcpy(out.data(), ahead_.data() + from, n);
  return static_cast<std::ptrdiff_t>(n);
}

void ReadTransfer::start(TimePoint now) {
  if (!negotiated_.accepted.empty()) {
    awaitingOackAck_ = true;
    sendOack();
    arm(now);
    return;
  }
  sendWindow(1, now);
}

std::ptrdiff_t ReadTransfer::fillBlock(std::uint64_t index, std::span<std::uint8_t> out) {
  const std::size_t blksize = negotiated_.blksize;
  if (!netascii_) return readOctet((index - 1) * blksize, out.first(blksize));

  if (index < cacheFirst_) return -1;
  if (index - cacheFirst_ < cache_.size()) {
    const auto& block = cache_[index - cacheFirst_];
    std::memcpy(out.data(), block.data(), block.size());
    return static_cast<std::ptrdiff_t>(block.size());
  }
  if (index != cacheFirst_ + cache_.size()) return -1;  // blocks are produced in order

  std::vector<std::uint8_t> block(blksize);
  std::size_t produced = 0;
  while (produced < blksize) {
    if (readPos_ == readBuf_.size() && !eof_) {
      readBuf_.resize(std::max<std::size_t>(blksize, 8192));
      auto n = file_->read(fileOffset_, readBuf_);
      if (n < 0) return -1;
      readBuf_.resize(static_cast<std::size_t>(n));
      readPos_ = 0;
      fileOffset_ += static_cast<std::uint64_t>(n);
      if (n == 0) eof_ = true;
    }
    auto step =
        encoder_.encode(std::span(readBuf_).subspan(readPos_), std::span(block).subspan(produced));
    readPos_ += step.consumed;
    produced += step.produced;
    if (eof_ && readPos_ == readBuf_.size() && !encoder_.hasPending()) break;
  }
  block.resize(produced);
  std::memcpy(out.data(), block.data(), produced);
  cache_.push_back(std::move(block));
  return static_cast<std::ptrdiff_t>(produced);
}

void ReadTransfer::sendWindow(std::uint64_t first, TimePoint now) {
  const std::size_t blksize = negotiated_.blksize;
  const std::size_t slot = codec::kHeaderSize + blksize;
  for (std::size_t i = 0; i < negotiated_.windowsize; ++i) {
    std::uint64_t index = first + i;
    if (last_ != 0 && index > last_) break;
    std::uint8_t* p = window_.data() + i * slot;
    auto n = fillBlock(index, {p + codec::kHeaderSize, blksize});
    if (n < 0) {
      sendError(ErrorCode::notDefined, "Read error");
      outcome_ = Outcome::failed;
      return;
    }
    codec::putDataHeader(p, static_cast<std::uint16_t>(index));  // wraps 65535 -> 0
    send({p, codec::kHeaderSize + static_cast<std::size_t>(n)});
    if (index > sentTo_) {
      sentTo_ = index;
      bytes_ += static_cast<std::uint64_t>(n);
    }
    if (static_cast<std::size_t>(n) < blksize) {
      last_ = index;
      break;
    }
  }
  arm(now);
}

void ReadTransfer::onPacket(std::span<const std::uint8_t> datagram, TimePoint now) {
  if (finished()) return;
  auto packet = codec::parse(datagram);
  if (!packet) return;  // garbage from the peer: ignore, the timer recovers
  if (auto* ack = std::get_if<codec::Ack>(&*packet)) {
    if (awaitingOackAck_) {
      if (ack->block != 0) return;
      awaitingOackAck_ = false;
      retries_ = 0;
      sendWindow(1, now);
      return;
    }
    // Map the 16-bit number onto the blocks in flight; a repeat of the last ACK is
    // ignored (answering it would be the Sorcerer's Apprentice bug).
    auto diff = static_cast<std::uint16_t>(ack->block - static_cast<std::uint16_t>(acked_));
    std::uint64_t block = acked_ + diff;
    if (diff == 0 || block > sentTo_) return;
    acked_ = block;
    retries_ = 0;
    while (!cache_.empty() && cacheFirst_ <= acked_) {
      cache_.pop_front();
      ++cacheFirst_;
    }
    if (last_ != 0 && acked_ >= last_) {
      outcome_ = Outcome::completed;
      return;
    }
    // A full window acknowledged starts the next; an ACK inside the window means the
    // peer lost a block (RFC 7440), so the window restarts after it.
    sendWindow(acked_ + 1, now);
    return;
  }
  if (std::holds_alternative<codec::Error>(*packet)) {
    outcome_ = Outcome::peerError;
    return;
  }
  sendError(ErrorCode::illegalOperation, "Illegal TFTP operation");
  outcome_ = Outcome::failed;
}

void ReadTransfer::onTimer(TimePoint now) {
  if (finished()) return;
  if (++retries_ > maxRetries_) {
    outcome_ = Outcome::timedOut;
    return;
  }
  if (awaitingOackAck_) {
    send(control_);
    arm(now);
    return;
  }
  sendWindow(acked_ + 1, now);
}

// ---------------------------------------------------------------------------------------
// Write

WriteTransfer::WriteTransfer(Negotiated negotiated, unsigned retries,
                             std::unique_ptr<Upload> upload, codec::Mode mode)
    : Transfer(std::move(negotiated), retries),
      upload_(std::move(upload)),
      netascii_(mode == codec::Mode::netascii) {}

void WriteTransfer::start(TimePoint now) {
  if (!negotiated_.accepted.empty()) {
    sendOack();
    arm(now);
    return;
  }
  sendAck(0, now);
}

void WriteTransfer::sendAck(std::uint64_t block, TimePoint now) {
  control_.clear();
  codec::appendAck(control_, static_cast<std::uint16_t>(block));
  send(control_);
  sinceAck_ = 0;
  arm(now);
}

void WriteTransfer::fail(ErrorCode code, std::string_view message) {
  sendError(code, message);
  outcome_ = Outcome::failed;
  upload_.reset();  // removes the temporary file
}

void WriteTransfer::onPacket(std::span<const std::uint8_t> datagram, TimePoint now) {
  if (finished()) return;
  auto packet = codec::parse(datagram);
  if (!packet) return;
  if (auto* data = std::get_if<codec::Data>(&*packet)) {
    if (dallying_) {
      // Our final ACK was lost: the peer repeats its last block.
      if (data->block == static_cast<std::uint16_t>(received_)) send(control_);
      return;
    }
    const auto expected = static_cast<std::uint16_t>(received_ + 1);
    if (data->block != expected) {
      auto ahead = static_cast<std::int16_t>(data->block - expected);
      // A block from beyond a gap: tell the sender once where we are (RFC 7440).
      // Repeats of blocks already written are ignored.
      if (ahead > 0 && !nakSent_) {
        sendAck(received_, now);
        nakSent_ = true;
      }
      return;
    }
    if (data->payload.size() > negotiated_.blksize) {
      fail(ErrorCode::illegalOperation, "Block larger than the negotiated blksize");
      return;
    }
    bool ok;
    if (netascii_) {
      decoded_.clear();
      decoder_.decode(data->payload, decoded_);
      ok = upload_->write(decoded_);
    } else {
      ok = upload_->write(data->payload);
    }
    if (!ok) {
      fail(ErrorCode::diskFull, "Disk full or allocation exceeded");
      return;
    }
    ++received_;
    ++sinceAck_;
    bytes_ += data->payload.size();
    nakSent_ = false;
    retries_ = 0;
    if (data->payload.size() < negotiated_.blksize) {
      if (netascii_) {
        decoded_.clear();
        decoder_.finish(decoded_);
        if (!decoded_.empty() && !upload_->write(decoded_)) {
          fail(ErrorCode::diskFull, "Disk full or allocation exceeded");
          return;
        }
      }
      if (!upload_->commit()) {
        fail(ErrorCode::accessViolation, "Cannot store the file");
        return;
      }
      upload_.reset();
      sendAck(received_, now);
      dallying_ = true;
      return;
    }
    if (sinceAck_ >= negotiated_.windowsize)
      sendAck(received_, now);
    else
      arm(now);
    return;
  }
  if (std::holds_alternative<codec::Error>(*packet)) {
    outcome_ = Outcome::peerError;
    upload_.reset();
    return;
  }
  fail(ErrorCode::illegalOperation, "Illegal TFTP operation");
}

void WriteTransfer::onTimer(TimePoint now) {
  if (finished()) return;
  if (dallying_) {
    outcome_ = Outcome::completed;
    return;
  }
  if (++retries_ > maxRetries_) {
    outcome_ = Outcome::timedOut;
    upload_.reset();
    return;
  }
  if (received_ == 0) {
    send(control_);  // the OACK or ACK 0
    arm(now);
    return;
  }
  sendAck(received_, now);
}

// ---------------------------------------------------------------------------------------

Admission admit(const codec::Request& request, FileStore& store, const TransferLimits& limits) {
  if (request.mode != codec::Mode::octet && request.mode != codec::Mode::netascii)
    return Refusal{ErrorCode::illegalOperation, "Unsupported transfer mode"};
  NegotiationLimits nl{limits.maxBlksize, limits.timeout};
  if (request.op == codec::Opcode::rrq) {
    auto opened = store.openRead(request.filename);
    if (auto* refusal = std::get_if<Refusal>(&opened)) return std::move(*refusal);
    auto file = std::move(std::get<std::unique_ptr<ReadableFile>>(opened));
    std::optional<std::uint64_t> size;
    if (request.mode == codec::Mode::octet) size = file->size();
    auto negotiated = negotiate(request, nl, size);
    return std::make_unique<ReadTransfer>(std::move(negotiated), limits.retries, std::move(file),
                                          request.mode);
  }
  auto opened = store.openWrite(request.filename);
  if (auto* refusal = std::get_if<Refusal>(&opened)) return std::move(*refusal);
  auto negotiated = negotiate(request, nl, std::nullopt);
  return std::make_unique<WriteTransfer>(std::move(negotiated), limits.retries,
                                         std::move(std::get<std::unique_ptr<Upload>>(opened)),
                                         request.mode);
}

}  // namespace wk::tftp::engine
