#include "io/transfer.hpp"

#include <spdlog/spdlog.h>

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::io {

namespace {

constexpr std::size_t kMessageTarget = 16'000;  // bytes per transfer message

class TransferWriter {
 public:
  TransferWriter(const codec::Question& question, std::uint16_t id,
                 std::vector<std::vector<std::uint8_t>>& messages)
      : question_(question), id_(id), messages_(messages) {}

  void add(const codec::Name& owner, std::uint16_t type, std::uint32_t ttl,
           std::span<const std::uint8_t> rdata) {
    if (current_ == nullptr) begin();
    ByteWriter w(*current_, 65535);
    std::size_t before = current_->size();
    compressor_->write(w, owner);
    w.u16(type);
    w.u16(codec::rclass::kIN);
    w.u32(ttl);
    codec::writeRdata(type, rdata, w, compressor_.get());
    if (w.overflow() || current_->size() > kMessageTarget) {
      if (count_ == 0) return;  // a single record over 64 KiB cannot be sent
      current_->resize(before);
      end();
      add(owner, type, ttl, rdata);
      return;
    }
    ++count_;
  }

  void finish() {
    if (current_ != nullptr) end();
  }

 private:
  void begin() {
    messages_.emplace_back();
    current_ = &messages_.back();
    current_->reserve(kMessageTarget + 512);
    compressor_ = std::make_unique<codec::Compressor>(*current_);
    ByteWriter w(*current_, 65535);
    codec::Header h;
    h.id = id_;
    h.qr = true;
    h.aa = true;
    h.qdcount = messages_.size() == 1 ? 1 : 0;
    codec::writeHeader(w, h);
    if (h.qdcount == 1) {
      compressor_->write(w, question_.name);
      w.u16(question_.qtype);
      w.u16(question_.qclass);
    }
    count_ = 0;
  }
  void end() {
    (*current_)[6] = static_cast<std::uint8_t>(count_ >> 8);
    (*current_)[7] = static_cast<std::uint8_t>(count_);
    current_ = nullptr;
  }

  const codec::Question& question_;
  std::uint16_t id_;
  std::vector<std::vector<std::uint8_t>>& messages_;
  std::vector<std::uint8_t>* current_ = nullptr;
  std::unique_ptr<codec::Compressor> compressor_;
  unsigned count_ = 0;
};

}  // namespace

bool buildTransfer(const Snapshot& snapshot, const codec::Question& question, std::uint16_t id,
                   const boost::asio::ip::address& client,
                   std::vector<std::vector<std::uint8_t>>& messages) {
  const engine::Zone* zone = snapshot.zones.findExact(question.name.lowered());
  if (zone == nullptr) return false;
  const auto& all = snapshot.zones.all();
  const CidrList* acl = nullptr;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].get() == zone) acl = &snapshot.allowTransfer[i];
  if (acl == nullptr || !acl->contains(client)) {
    spdlog::info("transfer of {} refused for {}", zone->apex().toText(), client.to_string());
    return false;
  }
  // messages may be reallocated while writing: TransferWriter keeps a pointer to the last one
  // only while it is the last, and reserve avoids moving the earlier ones needlessly.
  messages.reserve(zone->recordCount() / 200 + 4);
  TransferWriter out(question, id, messages);
  const engine::Node& apex = zone->apexNode();
  codec::Name apexName = apex.name();
  auto soaRdata = [&](auto&& f) { zone->soa().forEach(f); };
  soaRdata([&](std::span<const std::uint8_t> r) {
    out.add(apexName, codec::type::kSOA, zone->soa().ttl, r);
  });
  zone->forEachNode([&](const engine::Node& node) {
    codec::Name owner = node.name();
    for (const auto& rrset : node.rrsets) {
      if (rrset.type == codec::type::kSOA) continue;
      rrset.forEach(
          [&](std::span<const std::uint8_t> r) { out.add(owner, rrset.type, rrset.ttl, r); });
    }
  });
  soaRdata([&](std::span<const std::uint8_t> r) {
    out.add(apexName, codec::type::kSOA, zone->soa().ttl, r);
  });
  out.finish();
  spdlog::info("transfer of {} serial {} to {}: {} messages", zone->apex().toText(), zone->serial(),
               client.to_string(), messages.size());
  return true;
}

}  // namespace wk::dns::io
