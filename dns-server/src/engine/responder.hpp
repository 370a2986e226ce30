#pragma once
// The authoritative answer path: query bytes in, response bytes out, no sockets. One
// Responder per thread (it owns the response buffer and compression table); the zones are
// a shared immutable ZoneSet. Nothing here allocates once the buffer is reserved.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "engine/cookie.hpp"
#include "engine/zone.hpp"

namespace wk::dns::engine {

struct ResponderConfig {
  std::size_t maxUdpPayload = 1232;  // our EDNS buffer size and the cap on UDP answers
  std::string nsid;                  // empty: NSID not sent
  bool cookies = true;               // answer RFC 7873 cookies
  std::array<std::uint8_t, 16> cookieSecret{};
};

struct Client {
  boost::asio::ip::address address;
  bool tcp = false;
  std::uint32_t now = 0;  // seconds since the epoch (cookie timestamps)
};

enum class Outcome : std::uint8_t {
  kDropped,  // no response (QR=1, runt)
  kAnswer,
  kReferral,
  kNxDomain,
  kNoData,
  kRefused,
  kFormErr,
  kNotImp,
  kBadVers,
  kTransfer,  // AXFR/IXFR over TCP: the caller runs the transfer
};

class Responder {
 public:
  explicit Responder(ResponderConfig config);

  // Builds the response into an internal buffer; returns it (empty = no response).
  std::span<const std::uint8_t> respond(std::span<const std::uint8_t> query, const ZoneSet& zones,
                                        const Client& client);
  Outcome lastOutcome() const { return outcome_; }
  // Rewrites the last response as an empty truncated one (header and question, TC=1): the
  // RRL "slip" answer. Returns it.
  std::span<const std::uint8_t> slipLast();
  const codec::Question& lastQuestion() const { return question_; }

 private:
  struct Section;
  bool parseQuery(std::span<const std::uint8_t> query, const Client& client);
  void answerQuestion(const ZoneSet& zones, const Client& client);
  void answerInZone(const Zone& zone, const Client& client);
  // `optional` RRsets (apex NS on positive answers) are dropped when they do not fit,
  // without TC, like additional data.
  bool writeRRset(const Name& owner, const RRset& rrset, int section, std::uint32_t ttl,
                  bool optional = false);
  void addAuthorityNs(const Zone& zone);
  void writeAdditional();
  bool writeRRsetWithSigs(const Name& owner, const Node& node, const RRset& rrset, int section,
                          std::uint32_t ttl, bool optional = false);
  void addAdditional(const Zone& zone, const RRset& rrset);
  void writeNegative(const Zone& zone);
  void finish(std::uint16_t rcode);

  ResponderConfig config_;
  std::vector<std::uint8_t> buf_;
  codec::Compressor compressor_;
  Outcome outcome_ = Outcome::kDropped;

  // Per query state.
  ByteWriter* writer_ = nullptr;
  std::size_t optSize_ = 0;
  bool hasQuestion_ = false;
  bool aa_ = false;
  boost::asio::ip::address clientAddress_;
  std::uint32_t now_ = 0;
  codec::Header header_;
  codec::Question question_;
  Name lowered_;
  std::size_t questionEnd_ = 0;  // end of the question in the query
  std::size_t limit_ = 512;      // response size limit
  bool hasEdns_ = false;
  bool dnssecOk_ = false;
  bool ednsBadVersion_ = false;
  bool wantNsid_ = false;
  std::uint8_t cookieLen_ = 0;  // client cookie present: 8; with server part: 16..40
  std::array<std::uint8_t, 40> cookie_{};
  std::array<std::uint16_t, 3> counts_{};
  bool truncated_ = false;
  bool additionalFull_ = false;
  std::size_t sectionStart_ = 0;  // where answer records begin
  std::array<const Node*, 16> additionalDone_{};
  std::size_t additionalCount_ = 0;
  const Zone* additionalZone_ = nullptr;
  std::array<const RRset*, 4> pendingAdditional_{};  // NS/MX/SRV sets whose targets to add
  std::size_t pendingCount_ = 0;
  bool answeredApexNs_ = false;
};

}  // namespace wk::dns::engine
