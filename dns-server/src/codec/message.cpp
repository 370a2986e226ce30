#include "codec/message.hpp"

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class Category : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "dns.codec"; }
  std::string message(int ev) const override {
    switch (static_cast<ParseError>(ev)) {
      case ParseError::kOk:
        return "ok";
      case ParseError::kTruncated:
        return "message truncated";
      case ParseError::kBadName:
        return "bad domain name";
      case ParseError::kBadRdata:
        return "bad record data";
      case ParseError::kTrailingData:
        return "trailing data after the message";
      case ParseError::kTooManyRecords:
        return "too many records";
      case ParseError::kBadOpt:
        return "bad OPT record";
    }
    return "unknown";
  }
};
#pragma GCC diagnostic pop

bool readRecord(ByteReader& r, Record& rec) {
  if (!readName(r, rec.name)) return false;
  rec.type = r.u16();
  rec.rclass = r.u16();
  rec.ttl = r.u32();
  std::uint16_t rdlength = r.u16();
  if (!r.ok()) return false;
  return readRdata(rec.type, r, rdlength, rec.rdata);
}

void writeRecord(ByteWriter& w, Compressor& c, const Record& rec) {
  c.write(w, rec.name);
  w.u16(rec.type);
  w.u16(rec.rclass);
  w.u32(rec.ttl);
  writeRdata(rec.type, rec.rdata, w, &c);
}

void writeOpt(ByteWriter& w, const Edns& e, std::uint16_t fullRcode) {
  w.u8(0);
  w.u16(type::kOPT);
  w.u16(e.udpSize);
  w.u8(static_cast<std::uint8_t>(fullRcode >> 4));
  w.u8(e.version);
  w.u16(e.dnssecOk ? 0x8000 : 0);
  std::size_t lengthAt = w.size();
  w.u16(0);
  for (const auto& o : e.options) {
    w.u16(o.code);
    w.u16(static_cast<std::uint16_t>(o.data.size()));
    w.bytes(o.data);
  }
  if (!w.overflow()) w.patchU16(lengthAt, static_cast<std::uint16_t>(w.size() - lengthAt - 2));
}

}  // namespace

const boost::system::error_category& parseErrorCategory() {
  static const Category category;
  return category;
}

Header readHeader(ByteReader& r) {
  Header h;
  h.id = r.u16();
  std::uint16_t flags = r.u16();
  h.qr = flags & 0x8000;
  h.opcode = static_cast<std::uint8_t>((flags >> 11) & 0xf);
  h.aa = flags & 0x0400;
  h.tc = flags & 0x0200;
  h.rd = flags & 0x0100;
  h.ra = flags & 0x0080;
  h.z = flags & 0x0040;
  h.ad = flags & 0x0020;
  h.cd = flags & 0x0010;
  h.rcode = static_cast<std::uint8_t>(flags & 0xf);
  h.qdcount = r.u16();
  h.ancount = r.u16();
  h.nscount = r.u16();
  h.arcount = r.u16();
  return h;
}

std::uint16_t headerFlags(const Header& h) {
  return static_cast<std::uint16_t>((h.qr ? 0x8000 : 0) | (h.opcode & 0xf) << 11 |
                                    (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0) |
                                    (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.z ? 0x0040 : 0) |
                                    (h.ad ? 0x0020 : 0) | (h.cd ? 0x0010 : 0) | (h.rcode & 0xf));
}

void writeHeader(ByteWriter& w, const Header& h) {
  w.u16(h.id);
  w.u16(headerFlags(h));
  w.u16(h.qdcount);
  w.u16(h.ancount);
  w.u16(h.nscount);
  w.u16(h.arcount);
}

bool readQuestion(ByteReader& r, Question& q) {
  if (!readName(r, q.name)) return false;
  q.qtype = r.u16();
  q.qclass = r.u16();
  return r.ok();
}

Result<Message> parseMessage(std::span<const std::uint8_t> data, std::size_t maxRecords) {
  ByteReader r(data);
  Message m;
  m.header = readHeader(r);
  if (!r.ok()) return ParseError::kTruncated;
  std::size_t total = std::size_t(m.header.ancount) + m.header.nscount + m.header.arcount;
  if (total > maxRecords || m.header.qdcount > 16) return ParseError::kTooManyRecords;
  // Every record takes at least 11 bytes: refuse counts the data cannot hold before
  // reserving anything.
  if (total * 11 + std::size_t(m.header.qdcount) * 5 > r.remaining()) return ParseError::kTruncated;
  for (unsigned i = 0; i < m.header.qdcount; ++i) {
    Question q;
    if (!readQuestion(r, q)) return ParseError::kTruncated;
    m.questions.push_back(q);
  }
  auto section = [&](std::uint16_t count, std::vector<Record>& out, bool additional) -> ErrorCode {
    for (unsigned i = 0; i < count; ++i) {
      Record rec;
      if (!readRecord(r, rec)) return ParseError::kBadRdata;
      if (additional && rec.type == type::kOPT) {
        if (m.edns || !rec.name.isRoot()) return ParseError::kBadOpt;
        Edns e;
        e.udpSize = rec.rclass;
        e.extendedRcode = static_cast<std::uint8_t>(rec.ttl >> 24);
        e.version = static_cast<std::uint8_t>(rec.ttl >> 16);
        e.dnssecOk = rec.ttl & 0x8000;
        ByteReader o(rec.rdata);
        while (!o.atEnd()) {
          EdnsOption opt;
          opt.code = o.u16();
          auto b = o.bytes(o.u16());
          if (!o.ok()) return ParseError::kBadOpt;
          opt.data.assign(b.begin(), b.end());
          e.options.push_back(std::move(opt));
        }
        m.edns = std::move(e);
        continue;
      }
      out.push_back(std::move(rec));
    }
    return {};
  };
  if (auto ec = section(m.header.ancount, m.answers, false)) return ec;
  if (auto ec = section(m.header.nscount, m.authority, false)) return ec;
  if (auto ec = section(m.header.arcount, m.additional, true)) return ec;
  if (!r.atEnd()) return ParseError::kTrailingData;
  return m;
}

bool writeMessage(const Message& m, std::vector<std::uint8_t>& out, std::size_t limit,
                  bool allowTruncation) {
  out.clear();
  ByteWriter w(out, limit);
  Compressor c(out);
  Header h = m.header;
  h.qdcount = static_cast<std::uint16_t>(m.questions.size());
  h.rcode = static_cast<std::uint8_t>(m.rcode() & 0xf);
  writeHeader(w, h);
  for (const auto& q : m.questions) {
    c.write(w, q.name);
    w.u16(q.qtype);
    w.u16(q.qclass);
  }
  if (w.overflow()) return false;
  // Reserve room for the OPT so that truncation never drops it.
  std::size_t optSize = 0;
  if (m.edns) {
    optSize = 11;
    for (const auto& o : m.edns->options) optSize += 4 + o.data.size();
  }
  w.setLimit(limit > optSize ? limit - optSize : 0);
  std::uint16_t counts[3] = {0, 0, 0};
  const std::vector<Record>* sections[3] = {&m.answers, &m.authority, &m.additional};
  bool truncated = false;
  for (int s = 0; s < 3 && !truncated; ++s) {
    for (const auto& rec : *sections[s]) {
      std::size_t before = w.size();
      writeRecord(w, c, rec);
      if (w.overflow()) {
        w.truncate(before);
        truncated = true;
        break;
      }
      ++counts[s];
    }
  }
  if (truncated && !allowTruncation) return false;
  // RFC 2181 9: TC only when something other than additional data was dropped.
  bool tc = truncated && (counts[0] < m.answers.size() || counts[1] < m.authority.size());
  w.setLimit(limit);
  std::uint16_t arcount = counts[2];
  if (m.edns) {
    writeOpt(w, *m.edns, m.rcode());
    ++arcount;
  }
  if (tc || h.tc) out[2] |= 0x02;
  w.patchU16(6, counts[0]);
  w.patchU16(8, counts[1]);
  w.patchU16(10, arcount);
  return !w.overflow();
}

std::string recordToText(const Record& r) {
  return r.name.toText() + "\t" + std::to_string(r.ttl) + "\t" + classToText(r.rclass) + "\t" +
         typeToText(r.type) + "\t" + rdataToText(r.type, r.rdata);
}

std::string messageToText(const Message& m) {
  static const char* kRcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                  "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                  "NXRRSET", "NOTAUTH", "NOTZONE"};
  std::string out = ";; opcode " + std::to_string(m.header.opcode) + ", status ";
  std::uint16_t rc = m.rcode();
  out += rc < std::size(kRcodes) ? kRcodes[rc] : ("RCODE" + std::to_string(rc));
  out += ", id " + std::to_string(m.header.id) + "\n;; flags:";
  const std::pair<bool, const char*> flags[] = {
      {m.header.qr, "qr"}, {m.header.aa, "aa"}, {m.header.tc, "tc"}, {m.header.rd, "rd"},
      {m.header.ra, "ra"}, {m.header.ad, "ad"}, {m.header.cd, "cd"}};
  for (const auto& [on, name] : flags)
    if (on) out += std::string(" ") + name;
  out += "\n";
  if (m.edns)
    out += ";; EDNS: version " + std::to_string(m.edns->version) + ", udp " +
           std::to_string(m.edns->udpSize) + (m.edns->dnssecOk ? ", do" : "") + "\n";
  for (const auto& q : m.questions)
    out += ";" + q.name.toText() + "\t" + classToText(q.qclass) + "\t" + typeToText(q.qtype) + "\n";
  const char* titles[] = {";; ANSWER", ";; AUTHORITY", ";; ADDITIONAL"};
  const std::vector<Record>* sections[3] = {&m.answers, &m.authority, &m.additional};
  for (int s = 0; s < 3; ++s) {
    if (sections[s]->empty()) continue;
    out += std::string(titles[s]) + "\n";
    for (const auto& r : *sections[s]) out += recordToText(r) + "\n";
  }
  return out;
}

}  // namespace wk::dns::codec
