// Fuzzes the packet parser and, behind it, option negotiation and both transfer state
// machines: the first datagram is parsed as a request, the rest are fed to a transfer.

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>

#include "codec/packet.hpp"
#include "engine/transfer.hpp"

namespace {

using namespace wk::tftp;

struct NullTransport : engine::Transport {
  std::size_t sent = 0;
  void send(std::span<const std::uint8_t> p) override { sent += p.size(); }
};

struct FuzzFile : engine::ReadableFile {
  std::uint64_t size() const override { return 3000; }
  std::ptrdiff_t read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (offset >= 3000) return 0;
    auto n = std::min<std::uint64_t>(out.size(), 3000 - offset);
    for (std::uint64_t i = 0; i < n; ++i)
      out[i] = static_cast<std::uint8_t>((offset + i) % 13 == 0 ? '\n' : 'a');
    return static_cast<std::ptrdiff_t>(n);
  }
};

struct FuzzUpload : engine::Upload {
  bool write(std::span<const std::uint8_t>) override { return true; }
  bool commit() override { return true; }
};

struct FuzzStore : engine::FileStore {
  engine::Opened<engine::ReadableFile> openRead(std::string_view) override {
    return std::make_unique<FuzzFile>();
  }
  engine::Opened<engine::Upload> openWrite(std::string_view) override {
    return std::make_unique<FuzzUpload>();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  // Datagrams are separated by a two-byte length prefix so one input is a conversation.
  auto next = [&input]() -> std::span<const std::uint8_t> {
    if (input.size() < 2) {
      auto rest = input;
      input = {};
      return rest;
    }
    std::size_t n = std::min<std::size_t>(input[0] << 8 | input[1], input.size() - 2);
    auto d = input.subspan(2, n);
    input = input.subspan(2 + n);
    return d;
  };
  auto first = next();
  auto packet = codec::parse(first);
  if (!packet) return 0;
  auto* request = std::get_if<codec::Request>(&*packet);
  if (!request) return 0;
  FuzzStore store;
  NullTransport wire;
  engine::TransferLimits limits;
  limits.retries = 2;
  auto admission = engine::admit(*request, store, limits);
  auto* transfer = std::get_if<std::unique_ptr<engine::Transfer>>(&admission);
  if (!transfer) return 0;
  (*transfer)->attach(wire);
  engine::TimePoint now{};
  (*transfer)->start(now);
  int events = 0;
  while (!input.empty() && !(*transfer)->finished() && ++events < 2000) {
    auto d = next();
    if (!d.empty() && d[0] == 0xff) {
      now = (*transfer)->deadline();
      (*transfer)->onTimer(now);
    } else {
      (*transfer)->onPacket(d, now);
    }
  }
  return 0;
}
