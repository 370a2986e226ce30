#include "engine/transfer.hpp"

#include <gtest/gtest.h>

#include <map>

#include "test_support.hpp"

namespace wk::tftp::engine {
namespace {

using codec::Opcode;
using test::bytesOf;
using namespace std::chrono_literals;
using namespace std::string_literals;

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  return v;
}

std::vector<std::uint8_t> ack(std::uint16_t block) {
  std::vector<std::uint8_t> out;
  codec::appendAck(out, block);
  return out;
}

std::vector<std::uint8_t> data(std::uint16_t block, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out;
  codec::appendData(out, block, payload);
  return out;
}

std::vector<std::uint8_t> error(codec::ErrorCode code) {
  std::vector<std::uint8_t> out;
  codec::appendError(out, code, "client says no");
  return out;
}

// Parses one sent packet as DATA (failing the test otherwise).
codec::Data asData(const std::vector<std::uint8_t>& packet) {
  auto p = codec::parse(packet);
  EXPECT_TRUE(p && std::holds_alternative<codec::Data>(*p));
  return p ? std::get<codec::Data>(*p) : codec::Data{};
}

std::uint16_t ackBlock(const std::vector<std::uint8_t>& packet) {
  auto p = codec::parse(packet);
  EXPECT_TRUE(p && std::holds_alternative<codec::Ack>(*p));
  return p ? std::get<codec::Ack>(*p).block : 0xffff;
}

std::uint16_t errorCode(const std::vector<std::uint8_t>& packet) {
  auto p = codec::parse(packet);
  EXPECT_TRUE(p && std::holds_alternative<codec::Error>(*p));
  return p ? std::get<codec::Error>(*p).code : 0xffff;
}

struct TftpTransfer : ::testing::Test {
  test::MemStore store;
  test::RecordingTransport wire;
  TransferLimits limits;
  TimePoint now{};
  std::unique_ptr<Transfer> transfer;

  void request(Opcode op, std::string name, std::string mode,
               std::vector<codec::Option> options = {}) {
    std::vector<std::uint8_t> bytes;
    codec::appendRequest(bytes, op, name, mode, options);
    auto packet = codec::parse(bytes);
    ASSERT_TRUE(packet);
    auto admission = admit(std::get<codec::Request>(*packet), store, limits);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Transfer>>(admission));
    transfer = std::move(std::get<std::unique_ptr<Transfer>>(admission));
    transfer->attach(wire);
    transfer->start(now);
  }
  void feed(const std::vector<std::uint8_t>& packet) {
    now += 1ms;
    transfer->onPacket(packet, now);
  }
  void expire() {
    now = transfer->deadline();
    transfer->onTimer(now);
  }
  // Reads a whole file, acknowledging every window; returns the payload received.
  std::vector<std::uint8_t> readAll(std::size_t maxRounds = 1'000'000) {
    std::vector<std::uint8_t> got;
    for (std::size_t round = 0; round < maxRounds && !transfer->finished(); ++round) {
      auto packets = wire.take();
      if (packets.empty()) break;
      std::uint16_t lastBlock = 0;
      for (auto& p : packets) {
        auto d = asData(p);
        got.insert(got.end(), d.payload.begin(), d.payload.end());
        lastBlock = d.block;
      }
      feed(ack(lastBlock));
    }
    return got;
  }
};

TEST_F(TftpTransfer, ReadsSmallFileLockStep) {
  store.files["a.bin"] = pattern(1000);
  request(Opcode::rrq, "a.bin", "octet");
  auto sent = wire.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(asData(sent[0]).block, 1);
  EXPECT_EQ(asData(sent[0]).payload.size(), 512u);
  feed(ack(1));
  sent = wire.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(asData(sent[0]).block, 2);
  EXPECT_EQ(asData(sent[0]).payload.size(), 488u);
  EXPECT_FALSE(transfer->finished());
  feed(ack(2));
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
  EXPECT_TRUE(wire.take().empty());
}

TEST_F(TftpTransfer, ExactMultipleOfBlockSizeEndsWithEmptyBlock) {
  store.files["m"] = pattern(1024);
  request(Opcode::rrq, "m", "octet");
  feed(ack(1));
  feed(ack(2));
  auto sent = wire.take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(asData(sent[2]).block, 3);
  EXPECT_TRUE(asData(sent[2]).payload.empty());
  EXPECT_FALSE(transfer->finished());
  feed(ack(3));
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
}

TEST_F(TftpTransfer, EmptyFileIsOneEmptyBlock) {
  store.files["e"] = {};
  request(Opcode::rrq, "e", "octet");
  auto sent = wire.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(asData(sent[0]).payload.empty());
  feed(ack(1));
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
}

TEST_F(TftpTransfer, DuplicateAckIsIgnored) {
  store.files["a"] = pattern(2000);
  request(Opcode::rrq, "a", "octet");
  feed(ack(1));
  wire.take();
  feed(ack(1));  // a delayed duplicate: answering it would double every later block
  EXPECT_TRUE(wire.take().empty());
  feed(ack(0));  // stale
  feed(ack(9));  // never sent
  EXPECT_TRUE(wire.take().empty());
  feed(ack(2));
  EXPECT_EQ(asData(wire.take().at(0)).block, 3);
}

TEST_F(TftpTransfer, RetransmitsOnTimeoutThenGivesUp) {
  store.files["a"] = pattern(2000);
  limits.retries = 3;
  request(Opcode::rrq, "a", "octet");
  wire.take();
  auto first = transfer->deadline();
  EXPECT_EQ(first - now, 1000ms);
  for (int i = 0; i < 3; ++i) {
    expire();
    auto sent = wire.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(asData(sent[0]).block, 1);
  }
  expire();
  EXPECT_EQ(transfer->outcome(), Outcome::timedOut);
}

TEST_F(TftpTransfer, ProgressResetsRetries) {
  store.files["a"] = pattern(5000);
  limits.retries = 1;
  request(Opcode::rrq, "a", "octet");
  expire();
  feed(ack(1));
  expire();
  feed(ack(2));
  expire();
  EXPECT_FALSE(transfer->finished());
}

TEST_F(TftpTransfer, OackThenWindowedRead) {
  auto content = pattern(10 * 100 + 37);
  store.files["w"] = content;
  request(Opcode::rrq, "w", "octet",
          {{"blksize", "100"}, {"windowsize", "4"}, {"tsize", "0"}, {"timeout", "2"}});
  auto sent = wire.take();
  ASSERT_EQ(sent.size(), 1u);
  auto oack = std::get<codec::Oack>(*codec::parse(sent[0]));
  ASSERT_EQ(oack.options.size(), 4u);
  EXPECT_EQ(oack.options[2].value, "1037");
  EXPECT_EQ(transfer->deadline() - now, 2s);

  feed(ack(0));
  sent = wire.take();
  ASSERT_EQ(sent.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(asData(sent[i]).block, i + 1);
  // The peer lost block 3: it acknowledges 2, and the window restarts at 3.
  feed(ack(2));
  sent = wire.take();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(asData(sent[0]).block, 3);
  EXPECT_EQ(asData(sent[3]).block, 6);
  feed(ack(6));
  sent = wire.take();
  ASSERT_EQ(sent.size(), 4u);
  feed(ack(10));
  sent = wire.take();
  ASSERT_EQ(sent.size(), 1u);  // the final short block ends the window
  EXPECT_EQ(asData(sent[0]).block, 11);
  EXPECT_EQ(asData(sent[0]).payload.size(), 37u);
  feed(ack(11));
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
}

TEST_F(TftpTransfer, OddBlockSizeAcrossReadAheadBoundariesWithLosses) {
  auto content = pattern(100'000);
  store.files["odd"] = content;
  request(Opcode::rrq, "odd", "octet", {{"blksize", "1468"}, {"windowsize", "3"}});
  wire.take();
  feed(ack(0));
  std::map<std::uint16_t, std::vector<std::uint8_t>> blocks;
  std::uint16_t next = 1;  // first block not yet received in order
  int round = 0;
  while (!transfer->finished()) {
    auto sent = wire.take();
    ASSERT_FALSE(sent.empty());
    bool lose = ++round % 4 == 0;  // every fourth window loses its second block
    for (std::size_t i = 0; i < sent.size(); ++i) {
      auto d = asData(sent[i]);
      if (lose && i == 1) break;
      if (d.block == next) {
        blocks[d.block].assign(d.payload.begin(), d.payload.end());
        ++next;
      }
    }
    feed(ack(static_cast<std::uint16_t>(next - 1)));
  }
  std::vector<std::uint8_t> got;
  for (auto& [b, p] : blocks) got.insert(got.end(), p.begin(), p.end());
  EXPECT_EQ(got, content);
}

TEST_F(TftpTransfer, WindowRetransmittedWholeOnTimeout) {
  store.files["w"] = pattern(5000);
  request(Opcode::rrq, "w", "octet", {{"windowsize", "3"}});
  wire.take();
  feed(ack(0));
  EXPECT_EQ(wire.take().size(), 3u);
  expire();
  auto sent = wire.take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(asData(sent[0]).block, 1);
}

TEST_F(TftpTransfer, ClientRefusingOackEndsSession) {
  store.files["a"] = pattern(10);
  request(Opcode::rrq, "a", "octet", {{"blksize", "1024"}});
  wire.take();
  feed(error(codec::ErrorCode::badOptions));
  EXPECT_EQ(transfer->outcome(), Outcome::peerError);
  EXPECT_TRUE(wire.take().empty());
}

TEST_F(TftpTransfer, OackRetransmittedUntilAckZero) {
  store.files["a"] = pattern(10);
  request(Opcode::rrq, "a", "octet", {{"tsize", "0"}});
  wire.take();
  feed(ack(1));  // not the OACK's acknowledgement
  EXPECT_TRUE(wire.take().empty());
  expire();
  auto sent = wire.take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(codec::peekOpcode(sent[0]), 6);
}

TEST_F(TftpTransfer, BlockNumbersRollOverToZero) {
  const std::size_t blocks = 65536 + 10;
  auto content = pattern(blocks * 8 + 3);
  store.files["big"] = content;
  request(Opcode::rrq, "big", "octet", {{"blksize", "8"}});
  wire.take();
  feed(ack(0));
  std::vector<std::uint8_t> got;
  std::uint64_t index = 0;
  while (!transfer->finished()) {
    auto sent = wire.take();
    ASSERT_EQ(sent.size(), 1u);
    auto d = asData(sent[0]);
    ++index;
    ASSERT_EQ(d.block, static_cast<std::uint16_t>(index));
    got.insert(got.end(), d.payload.begin(), d.payload.end());
    feed(ack(d.block));
  }
  EXPECT_EQ(index, blocks + 1);
  EXPECT_EQ(got, content);
}

TEST_F(TftpTransfer, NetasciiReadConvertsAcrossBlocks) {
  std::string text = "line one\nline two\r\nbare\rcr\n";
  store.files["t.txt"] = bytesOf(text);
  request(Opcode::rrq, "t.txt", "netascii",
          {{"blksize", "8"}, {"windowsize", "2"}, {"tsize", "0"}});
  auto oack = std::get<codec::Oack>(*codec::parse(wire.take().at(0)));
  EXPECT_EQ(oack.options.size(), 2u);  // tsize is unknown before conversion: declined
  feed(ack(0));
  auto got = readAll();
  EXPECT_EQ(std::string(got.begin(), got.end()), "line one\r\nline two\r\0\r\nbare\r\0cr\r\n"s);
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
}

TEST_F(TftpTransfer, NetasciiRetransmitsTheSameBytes) {
  store.files["t"] = bytesOf(std::string(20, '\n'));
  request(Opcode::rrq, "t", "netascii", {{"blksize", "8"}, {"windowsize", "2"}});
  wire.take();
  feed(ack(0));
  auto first = wire.take();
  feed(ack(1));
  auto second = wire.take();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0], first[1]);
  expire();
  auto again = wire.take();
  EXPECT_EQ(again, second);
  feed(ack(3));
  auto got = readAll();
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
}

TEST_F(TftpTransfer, IllegalOpcodeOnReadSession) {
  store.files["a"] = pattern(10);
  request(Opcode::rrq, "a", "octet");
  wire.take();
  feed(data(1, bytesOf("x")));
  EXPECT_EQ(errorCode(wire.take().at(0)), 4);
  EXPECT_EQ(transfer->outcome(), Outcome::failed);
}

TEST_F(TftpTransfer, AdmitRefusals) {
  std::vector<std::uint8_t> bytes;
  codec::appendRequest(bytes, Opcode::rrq, "missing", "octet");
  auto r = admit(std::get<codec::Request>(*codec::parse(bytes)), store, limits);
  EXPECT_EQ(std::get<Refusal>(r).code, codec::ErrorCode::fileNotFound);
  bytes.clear();
  codec::appendRequest(bytes, Opcode::rrq, "missing", "mail");
  r = admit(std::get<codec::Request>(*codec::parse(bytes)), store, limits);
  EXPECT_EQ(std::get<Refusal>(r).code, codec::ErrorCode::illegalOperation);
}

// ---- writes

TEST_F(TftpTransfer, WritesLockStepAndCommitsOnShortBlock) {
  auto content = pattern(1300);
  request(Opcode::wrq, "up.bin", "octet");
  EXPECT_EQ(ackBlock(wire.take().at(0)), 0);
  feed(data(1, std::span(content).first(512)));
  EXPECT_EQ(ackBlock(wire.take().at(0)), 1);
  feed(data(1, std::span(content).first(512)));  // duplicate: ignored
  EXPECT_TRUE(wire.take().empty());
  feed(data(2, std::span(content).subspan(512, 512)));
  EXPECT_EQ(ackBlock(wire.take().at(0)), 2);
  EXPECT_FALSE(store.files.contains("up.bin"));  // nothing visible before the end
  feed(data(3, std::span(content).subspan(1024)));
  EXPECT_EQ(ackBlock(wire.take().at(0)), 3);
  EXPECT_EQ(store.files["up.bin"], content);
  EXPECT_FALSE(transfer->finished());  // dallying for a lost final ACK
  feed(data(3, std::span(content).subspan(1024)));
  EXPECT_EQ(ackBlock(wire.take().at(0)), 3);
  expire();
  EXPECT_EQ(transfer->outcome(), Outcome::completed);
}

TEST_F(TftpTransfer, WriteWithOptionsAndWindow) {
  auto content = pattern(100 * 9);  // exact multiple: ends with an empty block
  request(Opcode::wrq, "w.bin", "octet",
          {{"blksize", "100"}, {"windowsize", "4"}, {"tsize", "900"}});
  auto oack = std::get<codec::Oack>(*codec::parse(wire.take().at(0)));
  EXPECT_EQ(oack.options.size(), 3u);
  for (std::uint16_t b = 1; b <= 9; ++b) {
    feed(data(b, std::span(content).subspan((b - 1) * 100u, 100)));
    auto sent = wire.take();
    if (b % 4 == 0) {
      ASSERT_EQ(sent.size(), 1u);
      EXPECT_EQ(ackBlock(sent[0]), b);
    } else {
      EXPECT_TRUE(sent.empty());
    }
  }
  feed(data(10, {}));
  EXPECT_EQ(ackBlock(wire.take().at(0)), 10);
  EXPECT_EQ(store.files["w.bin"], content);
}

TEST_F(TftpTransfer, WriteGapAcknowledgesLastInOrderBlockOnce) {
  auto content = pattern(1000);
  request(Opcode::wrq, "g", "octet", {{"blksize", "100"}, {"windowsize", "4"}});
  wire.take();
  feed(data(1, std::span(content).first(100)));
  feed(data(3, std::span(content).subspan(200, 100)));  // block 2 lost
  EXPECT_EQ(ackBlock(wire.take().at(0)), 1);
  feed(data(4, std::span(content).subspan(300, 100)));
  EXPECT_TRUE(wire.take().empty());
}

TEST_F(TftpTransfer, WriteTimeoutResendsAckThenAbortsWithoutLeavingFile) {
  auto content = pattern(600);
  limits.retries = 2;
  request(Opcode::wrq, "t", "octet");
  wire.take();
  feed(data(1, std::span(content).first(512)));
  wire.take();
  expire();
  EXPECT_EQ(ackBlock(wire.take().at(0)), 1);
  expire();
  expire();
  EXPECT_EQ(transfer->outcome(), Outcome::timedOut);
  EXPECT_EQ(store.openUploads, 0);
  EXPECT_FALSE(store.files.contains("t"));
}

TEST_F(TftpTransfer, WritePeerErrorDiscardsUpload) {
  request(Opcode::wrq, "t", "octet");
  feed(data(1, pattern(512)));
  feed(error(codec::ErrorCode::notDefined));
  EXPECT_EQ(transfer->outcome(), Outcome::peerError);
  EXPECT_EQ(store.openUploads, 0);
  EXPECT_FALSE(store.files.contains("t"));
}

TEST_F(TftpTransfer, WriteOversizedBlockIsIllegal) {
  request(Opcode::wrq, "t", "octet");
  wire.take();
  feed(data(1, pattern(513)));
  EXPECT_EQ(errorCode(wire.take().at(0)), 4);
  EXPECT_EQ(transfer->outcome(), Outcome::failed);
  EXPECT_FALSE(store.files.contains("t"));
}

TEST_F(TftpTransfer, NetasciiWriteConvertsAcrossBlocks) {
  // "ab\r" | "\nc\r" | "\0d\r" | "\n" with blksize 3, CR pairs straddling blocks.
  request(Opcode::wrq, "n.txt", "netascii", {{"blksize", "8"}});
  wire.take();
  auto wireText = "ab\r\ncd\r\0ef\r\ngh\r"s;  // 15 bytes: blocks of 8 and 7
  feed(data(1, bytesOf(wireText.substr(0, 8))));
  feed(data(2, bytesOf(wireText.substr(8))));
  EXPECT_EQ(ackBlock(wire.take().back()), 2);
  auto& got = store.files["n.txt"];
  EXPECT_EQ(std::string(got.begin(), got.end()), "ab\ncd\ref\ngh\r");
}

TEST_F(TftpTransfer, WriteRollsOverBlockNumbers) {
  request(Opcode::wrq, "big", "octet", {{"blksize", "8"}});
  wire.take();
  std::vector<std::uint8_t> block(8, 0x5a);
  const std::uint64_t blocks = 65536 + 5;
  for (std::uint64_t i = 1; i <= blocks; ++i) {
    feed(data(static_cast<std::uint16_t>(i), block));
    ASSERT_EQ(ackBlock(wire.take().at(0)), static_cast<std::uint16_t>(i));
  }
  feed(data(static_cast<std::uint16_t>(blocks + 1), {}));
  wire.take();
  EXPECT_EQ(store.files["big"].size(), blocks * 8);
}

}  // namespace
}  // namespace wk::tftp::engine
