#include <gtest/gtest.h>

#include "codec/packet.hpp"

namespace wk::dhcp::codec {
namespace {
constexpr std::uint8_t kRootPath = 17;

Packet sample() {
  Packet p;
  p.xid = 0xdeadbeef;
  p.chaddr = {2, 0, 0, 0, 0, 1};
  p.options.setU8(opt::kMessageType, 1);
  p.options.set(opt::kParamList, {1, 3, 6});
  return p;
}

std::vector<std::uint8_t> wire(const Packet& p, std::size_t max = kDefaultMaxMessage) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(serialize(p, out, max));
  return out;
}

TEST(DhcpCodec, RoundTripsHeaderAndOptions) {
  Packet p = sample();
  p.ciaddr = 0x0a000001;
  p.giaddr = 0xc0a83201;
  p.flags = kBroadcastFlag;
  auto w = wire(p);
  EXPECT_EQ(w.size(), kMinMessage);  // padded to the BOOTP minimum
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->xid, 0xdeadbeefu);
  EXPECT_EQ(q->ciaddr, 0x0a000001u);
  EXPECT_EQ(q->giaddr, 0xc0a83201u);
  EXPECT_TRUE(q->broadcast());
  EXPECT_EQ(q->messageType(), MessageType::kDiscover);
  EXPECT_EQ(*q->options.find(opt::kParamList), (Bytes{1, 3, 6}));
  EXPECT_EQ(q->hardwareAddress().size(), 6u);
}

TEST(DhcpCodec, RejectsTruncatedAndBadCookie) {
  auto w = wire(sample());
  EXPECT_EQ(parse(std::span(w).first(100)).error(), make_error_code(Error::kTruncated));
  EXPECT_EQ(parse(std::span(w).first(238)).error(), make_error_code(Error::kBadCookie));
  w[236] = 0;
  EXPECT_EQ(parse(w).error(), make_error_code(Error::kBadCookie));
}

TEST(DhcpCodec, RejectsOptionPastEnd) {
  auto w = wire(sample());
  w.resize(240);
  w.insert(w.end(), {53, 1, 1, 12, 10, 'a'});
  EXPECT_EQ(parse(w).error(), make_error_code(Error::kBadOption));
}

TEST(DhcpCodec, RequiresMessageType) {
  Packet p = sample();
  p.options.remove(opt::kMessageType);
  auto w = wire(p);
  EXPECT_EQ(parse(w).error(), make_error_code(Error::kNoMessageType));
  p.options.setU8(opt::kMessageType, 9);
  w = wire(p);
  EXPECT_FALSE(parse(w));
}

TEST(DhcpCodec, ToleratesMissingEndAndPads) {
  auto w = wire(sample());
  w.resize(240);
  w.insert(w.end(), {0, 0, 53, 1, 3});
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->messageType(), MessageType::kRequest);
}

TEST(DhcpCodec, ConcatenatesSplitOptions) {  // RFC 3396
  auto w = wire(sample());
  w.resize(240);
  w.insert(w.end(), {53, 1, 1, 15, 2, 'a', 'b', 12, 1, 'h', 15, 1, 'c', 255});
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->options.find(opt::kDomainName), (Bytes{'a', 'b', 'c'}));
}

TEST(DhcpCodec, LongOptionIsSplitAndJoined) {
  Packet p = sample();
  Bytes big(600, 'x');
  p.options.set(200, big);
  auto w = wire(p, 1500);
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(*q->options.find(200), big);
}

TEST(DhcpCodec, ParsesOverloadIntoFileAndSname) {
  auto w = wire(sample());
  w.resize(240);
  w.insert(w.end(), {52, 1, 3, 53, 1, 5, 255});
  // file (offset 108) holds option 15; sname (offset 44) holds option 12.
  std::uint8_t file[] = {15, 3, 'l', 'a', 'n', 255};
  std::uint8_t sname[] = {12, 2, 'p', 'c', 255};
  std::copy(std::begin(file), std::end(file), w.begin() + 108);
  std::copy(std::begin(sname), std::end(sname), w.begin() + 44);
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->messageType(), MessageType::kAck);
  EXPECT_EQ(*q->options.find(opt::kDomainName), (Bytes{'l', 'a', 'n'}));
  EXPECT_EQ(*q->options.find(opt::kHostname), (Bytes{'p', 'c'}));
  EXPECT_EQ(q->file[0], 0);  // consumed as options, not a boot file name
}

TEST(DhcpCodec, RejectsOverloadLoop) {
  auto w = wire(sample());
  w.resize(240);
  w.insert(w.end(), {52, 1, 1, 53, 1, 5, 255});
  std::uint8_t file[] = {52, 1, 1, 255};  // overload inside the overloaded field
  std::copy(std::begin(file), std::end(file), w.begin() + 108);
  EXPECT_EQ(parse(w).error(), make_error_code(Error::kBadOverload));
  w[242] = 9;  // bad overload value
  EXPECT_FALSE(parse(w));
}

TEST(DhcpCodec, SpillsIntoFileAndSnameWhenFull) {
  Packet p = sample();
  p.options.set(opt::kDomainName, Bytes(200, 'd'));
  p.options.set(opt::kHostname, Bytes(100, 'h'));
  p.options.set(kRootPath, Bytes(40, 'r'));
  std::vector<std::uint8_t> w;
  ASSERT_TRUE(serialize(p, w, kDefaultMaxMessage));
  EXPECT_LE(w.size(), kDefaultMaxMessage);
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->options.find(opt::kDomainName)->size(), 200u);
  EXPECT_EQ(q->options.find(opt::kHostname)->size(), 100u);
  EXPECT_EQ(q->options.find(kRootPath)->size(), 40u);
}

TEST(DhcpCodec, DropsWhatCannotFitButKeepsMandatory) {
  Packet p = sample();
  for (std::uint8_t code = 100; code < 110; ++code) p.options.set(code, Bytes(250, 'z'));
  std::vector<std::uint8_t> w;
  EXPECT_TRUE(serialize(p, w, kDefaultMaxMessage));
  EXPECT_LE(w.size(), kDefaultMaxMessage);
  auto q = parse(w);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->messageType(), MessageType::kDiscover);
}

TEST(DhcpCodec, RelayAgentSubOptions) {
  std::vector<SubOption> subs{{1, {'e', 't', 'h', '0'}}, {2, {1, 2, 3, 4}}};
  auto v = encodeSubOptions(subs);
  EXPECT_EQ(v, (Bytes{1, 4, 'e', 't', 'h', '0', 2, 4, 1, 2, 3, 4}));
  auto back = parseSubOptions(v);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].value, subs[0].value);
  EXPECT_FALSE(parseSubOptions(Bytes{1, 9, 'x'}));
}

TEST(DhcpCodec, ClasslessRoutesRfc3442) {
  std::vector<Route> routes{
      {0x0a000000, 8, 0xc0a83201}, {0, 0, 0xc0a832fe}, {0xc0a80a80, 25, 0xc0a83202}};
  auto v = encodeRoutes(routes);
  // 8 10 | gw ; 0 | gw ; 25 192 168 10 128 | gw
  EXPECT_EQ(v, (Bytes{8,   10, 192, 168, 50, 1,   0,   192, 168, 50,
                      254, 25, 192, 168, 10, 128, 192, 168, 50,  2}));
  auto back = parseRoutes(v);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, routes);
  EXPECT_FALSE(parseRoutes(Bytes{33, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_FALSE(parseRoutes(Bytes{24, 10, 0}));
}

TEST(DhcpCodec, DomainSearchRfc3397WithCompression) {
  std::vector<std::string> names{"eng.apple.com", "marketing.apple.com"};
  auto v = encodeDomainSearch(names);
  ASSERT_TRUE(v);
  // RFC 3397 section 3 example: the second name points at "apple.com".
  Bytes expect{3, 'e', 'n', 'g', 5,   'a', 'p', 'p', 'l', 'e', 3,   'c',  'o', 'm',
               0, 9,   'm', 'a', 'r', 'k', 'e', 't', 'i', 'n', 'g', 0xC0, 4};
  EXPECT_EQ(*v, expect);
  auto back = parseDomainSearch(*v);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, names);
  EXPECT_FALSE(encodeDomainSearch(std::vector<std::string>{"a..b"}));
  EXPECT_FALSE(encodeDomainSearch(std::vector<std::string>{std::string(64, 'x') + ".com"}));
}

TEST(DhcpCodec, DomainSearchRejectsPointerLoops) {
  EXPECT_FALSE(parseDomainSearch(Bytes{0xC0, 0}));             // points at itself
  EXPECT_FALSE(parseDomainSearch(Bytes{1, 'a', 0xC0, 4, 0}));  // forward
  EXPECT_FALSE(parseDomainSearch(Bytes{5, 'a'}));              // truncated label
}

TEST(DhcpCodec, IpText) {
  EXPECT_EQ(parseIp("192.168.50.1"), 0xc0a83201u);
  EXPECT_FALSE(parseIp("192.168.50"));
  EXPECT_FALSE(parseIp("192.168.50.256"));
  EXPECT_FALSE(parseIp("1.2.3.4x"));
  EXPECT_EQ(formatIp(0xc0a83201), "192.168.50.1");
}

}  // namespace
}  // namespace wk::dhcp::codec
