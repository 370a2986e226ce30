#pragma once
// Per-transfer state machines. No sockets and no clock of their own: the io layer feeds
// packets from the peer and timer expiries in, and the transfer sends through Transport.
// Spans handed to Transport::send stay valid until the event call returns, so the io layer
// can batch a whole window into one sendmmsg.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "codec/netascii.hpp"
#include "codec/packet.hpp"
#include "engine/file_store.hpp"
#include "engine/options.hpp"

namespace wk::tftp::engine {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(std::span<const std::uint8_t> packet) = 0;
};

enum class Outcome { running, completed, timedOut, peerError, failed };

struct TransferLimits {
  std::uint32_t maxBlksize = 65464;
  std::chrono::milliseconds timeout{1000};
  unsigned retries = 5;
};

class Transfer {
 public:
  virtual ~Transfer() = default;
  // The transport must be attached before start().
  void attach(Transport& transport) { transport_ = &transport; }
  // Sends the first packet (OACK, DATA 1 or ACK 0).
  virtual void start(TimePoint now) = 0;
  // A datagram from the peer's TID (the io layer answers foreign TIDs itself).
  virtual void onPacket(std::span<const std::uint8_t> datagram, TimePoint now) = 0;
  // Call when now >= deadline().
  virtual void onTimer(TimePoint now) = 0;

  // Ends the transfer as timed out without another retransmission (a stopping server
  // does not wait out every retry of a client that has gone).
  void giveUp() {
    if (outcome_ == Outcome::running) outcome_ = Outcome::timedOut;
  }

  // True once the transfer's work is done and it only waits for a lost final ACK.
  virtual bool lingering() const { return false; }

  TimePoint deadline() const { return deadline_; }
  bool finished() const { return outcome_ != Outcome::running; }
  Outcome outcome() const { return outcome_; }
  std::uint64_t bytes() const { return bytes_; }
  const Negotiated& negotiated() const { return negotiated_; }

 protected:
  Transfer(Negotiated negotiated, unsigned retries)
      : negotiated_(std::move(negotiated)), maxRetries_(retries) {}
  void send(std::span<const std::uint8_t> packet) { transport_->send(packet); }
  void sendError(codec::ErrorCode code, std::string_view message);
  void sendOack();
  void arm(TimePoint now) { deadline_ = now + negotiated_.timeout; }

  Transport* transport_ = nullptr;
  Negotiated negotiated_;
  unsigned maxRetries_;
  unsigned retries_ = 0;
  TimePoint deadline_{};
  Outcome outcome_ = Outcome::running;
  std::uint64_t bytes_ = 0;
  std::vector<std::uint8_t> control_;  // last OACK / ACK / ERROR sent
};

// RRQ: sends windows of DATA, advances on ACKs, retransmits the window on timeout.
class ReadTransfer : public Transfer {
 public:
  ReadTransfer(Negotiated negotiated, unsigned retries, std::unique_ptr<ReadableFile> file,
               codec::Mode mode);
  void start(TimePoint now) override;
  void onPacket(std::span<const std::uint8_t> datagram, TimePoint now) override;
  void onTimer(TimePoint now) override;

 private:
  void sendWindow(std::uint64_t first, TimePoint now);
  // Builds block `index` (1-based, never wrapped) into out; returns payload size or -1.
  std::ptrdiff_t fillBlock(std::uint64_t index, std::span<std::uint8_t> out);

  std::unique_ptr<ReadableFile> file_;
  bool netascii_;
  bool awaitingOackAck_ = false;
  std::uint64_t acked_ = 0;           // highest block the peer acknowledged
  std::uint64_t sentTo_ = 0;          // highest block sent
  std::uint64_t last_ = 0;            // the final (short) block, once known
  std::vector<std::uint8_t> window_;  // windowsize slots of 4 + blksize bytes

  // Octet: small blocks are served from a read-ahead buffer, so lock-step 512-byte
  // transfers cost one pread per 64 blocks instead of one per block.
  std::ptrdiff_t readOctet(std::uint64_t offset, std::span<std::uint8_t> out);
  std::vector<std::uint8_t> ahead_;
  std::uint64_t aheadOffset_ = 0;
  std::size_t aheadLength_ = 0;
  bool aheadAtEnd_ = false;

  // Netascii: the encoded stream cannot be addressed by offset, so blocks not yet
  // acknowledged are kept for retransmission.
  codec::NetasciiEncoder encoder_;
  std::uint64_t fileOffset_ = 0;
  std::vector<std::uint8_t> readBuf_;
  std::size_t readPos_ = 0;
  std::deque<std::vector<std::uint8_t>> cache_;  // blocks acked_+1 ...
  std::uint64_t cacheFirst_ = 1;
  bool eof_ = false;
};

// WRQ: acknowledges every windowsize blocks, writes in order, commits on the short block,
// then dallies one timeout to re-acknowledge a repeated final block.
class WriteTransfer : public Transfer {
 public:
  WriteTransfer(Negotiated negotiated, unsigned retries, std::unique_ptr<Upload> upload,
                codec::Mode mode);
  void start(TimePoint now) override;
  void onPacket(std::span<const std::uint8_t> datagram, TimePoint now) override;
  void onTimer(TimePoint now) override;
  bool lingering() const override { return dallying_ && !finished(); }

 private:
  void sendAck(std::uint64_t block, TimePoint now);
  void fail(codec::ErrorCode code, std::string_view message);

  std::unique_ptr<Upload> upload_;
  bool netascii_;
  codec::NetasciiDecoder decoder_;
  std::vector<std::uint8_t> decoded_;
  std::uint64_t received_ = 0;  // blocks written, in order
  unsigned sinceAck_ = 0;
  bool nakSent_ = false;
  bool dallying_ = false;
};

// What the listener does with a request: a transfer ready to start, or the error to send.
using Admission = std::variant<std::unique_ptr<Transfer>, Refusal>;
// Opens the file and negotiates options; the caller attaches a transport and starts it.
Admission admit(const codec::Request& request, FileStore& store, const TransferLimits& limits);

}  // namespace wk::tftp::engine
