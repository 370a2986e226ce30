// Root hints: the IANA root servers built in (named.root, as published by IANA), or a
// named.root-style file given in root_hints.
#include <boost/asio/ip/address.hpp>

#include "codec/types.hpp"
#include "codec/zone_file.hpp"
#include "resolver/resolver.hpp"

namespace wk::dns::resolver {

namespace {

struct Hint {
  const char* name;
  const char* v4;
  const char* v6;
};

// https://www.internic.net/domain/named.root
constexpr Hint kIanaRoot[] = {
    {"a.root-servers.net.", "198.41.0.4", "2001:503:ba3e::2:30"},
    {"b.root-servers.net.", "170.247.170.2", "2801:1b8:10::b"},
    {"c.root-servers.net.", "192.33.4.12", "2001:500:2::c"},
    {"d.root-servers.net.", "199.7.91.13", "2001:500:2d::d"},
    {"e.root-servers.net.", "192.203.230.10", "2001:500:a8::e"},
    {"f.root-servers.net.", "192.5.5.241", "2001:500:2f::f"},
    {"g.root-servers.net.", "192.112.36.4", "2001:500:12::d0d"},
    {"h.root-servers.net.", "198.97.190.53", "2001:500:1::53"},
    {"i.root-servers.net.", "192.36.148.17", "2001:7fe::53"},
    {"j.root-servers.net.", "192.58.128.30", "2001:503:c27::2:30"},
    {"k.root-servers.net.", "193.0.14.129", "2001:7fd::1"},
    {"l.root-servers.net.", "199.7.83.42", "2001:500:9f::42"},
    {"m.root-servers.net.", "202.12.27.33", "2001:dc3::35"},
};

}  // namespace

RootHints builtinRootHints() {
  RootHints hints;
  for (const auto& h : kIanaRoot) {
    auto name = *codec::Name::fromText(h.name);
    hints.nsNames.push_back(name);
    hints.addresses.emplace_back(name, boost::asio::ip::make_address(h.v4));
    hints.addresses.emplace_back(name, boost::asio::ip::make_address(h.v6));
  }
  return hints;
}

std::optional<RootHints> parseRootHints(std::string_view text, std::string& error) {
  RootHints hints;
  std::vector<codec::ZoneError> errors;
  codec::ZoneParseOptions options;
  options.allowInclude = false;
  options.maxRecords = 10000;
  std::vector<codec::ZoneRecord> records;
  const bool ok = codec::parseZoneText(
      text, "root_hints", options, [&](const codec::ZoneRecord& r) { records.push_back(r); },
      errors);
  if (!ok) {
    error = errors.empty() ? "root_hints: parse error" : errors.front().toString();
    return std::nullopt;
  }
  for (const auto& r : records) {
    if (r.type == codec::type::kNS && r.name.isRoot()) {
      if (auto n = codec::Name::fromWire(r.rdata)) hints.nsNames.push_back(*n);
    } else if (r.type == codec::type::kA && r.rdata.size() == 4) {
      boost::asio::ip::address_v4::bytes_type b;
      std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
      hints.addresses.emplace_back(r.name, boost::asio::ip::address_v4(b));
    } else if (r.type == codec::type::kAAAA && r.rdata.size() == 16) {
      boost::asio::ip::address_v6::bytes_type b;
      std::copy(r.rdata.begin(), r.rdata.end(), b.begin());
      hints.addresses.emplace_back(r.name, boost::asio::ip::address_v6(b));
    }
  }
  if (hints.nsNames.empty() || hints.addresses.empty()) {
    error = "root_hints: no NS records for \".\" with addresses";
    return std::nullopt;
  }
  return hints;
}

}  // namespace wk::dns::resolver
