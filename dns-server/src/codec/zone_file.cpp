#include "codec/zone_file.hpp"

#include <fstream>
#include <sstream>

#include "codec/rdata.hpp"
#include "codec/types.hpp"

namespace wk::dns::codec {
namespace {

// One logical entry: the tokens of a line, parentheses joining lines.
struct Entry {
  std::vector<Token> tokens;  // tokens[0..count) are valid; the rest are reused storage
  std::size_t count = 0;
  bool blankOwner = false;  // the entry began with white space
  unsigned line = 0;

  Token& push() {
    if (count == tokens.size()) tokens.emplace_back();
    Token& t = tokens[count++];
    t.text.clear();
    t.quoted = false;
    return t;
  }
  std::span<const Token> view(std::size_t from = 0) const {
    return std::span<const Token>(tokens).subspan(from, count - from);
  }
};

class Lexer {
 public:
  Lexer(std::string_view text) : text_(text) {}

  // Reads the next non-empty entry. Returns false at the end; sets error on bad syntax
  // (the entry is then skipped).
  bool next(Entry& e, std::string& error, unsigned& errorLine) {
    error.clear();
    while (pos_ < text_.size()) {
      e.count = 0;
      e.line = line_;
      e.blankOwner = pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t');
      int depth = 0;
      bool done = false;
      while (!done && pos_ < text_.size()) {
        char c = text_[pos_];
        switch (c) {
          case ' ':
          case '\t':
          case '\r':
            ++pos_;
            break;
          case ';':
            while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            break;
          case '\n':
            ++pos_;
            ++line_;
            if (depth == 0) done = true;
            break;
          case '(':
            ++depth;
            ++pos_;
            break;
          case ')':
            if (depth == 0 && error.empty()) {
              error = "unbalanced ')'";
              errorLine = line_;
            }
            if (depth > 0) --depth;
            ++pos_;
            break;
          case '"': {
            Token& t = e.push();
            t.quoted = true;
            ++pos_;
            bool closed = false;
            while (pos_ < text_.size()) {
              char d = text_[pos_];
              if (d == '\\' && pos_ + 1 < text_.size()) {
                if (text_[pos_ + 1] == '\n') ++line_;
                t.text.push_back(d);
                t.text.push_back(text_[pos_ + 1]);
                pos_ += 2;
                continue;
              }
              if (d == '"') {
                closed = true;
                ++pos_;
                break;
              }
              if (d == '\n') ++line_;
              t.text.push_back(d);
              ++pos_;
            }
            if (!closed && error.empty()) {
              error = "unterminated quoted string";
              errorLine = e.line;
            }
            break;
          }
          default: {
            Token& t = e.push();
            while (pos_ < text_.size()) {
              char d = text_[pos_];
              if (d == '\\' && pos_ + 1 < text_.size()) {
                t.text.push_back(d);
                t.text.push_back(text_[pos_ + 1]);
                pos_ += 2;
                continue;
              }
              if (d == ' ' || d == '\t' || d == '\r' || d == '\n' || d == ';' || d == '(' ||
                  d == ')' || d == '"')
                break;
              t.text.push_back(d);
              ++pos_;
            }
          }
        }
      }
      if (depth > 0 && error.empty()) {
        error = "unbalanced '(': missing ')'";
        errorLine = e.line;
      }
      if (!error.empty()) return true;
      if (e.count > 0) return true;
    }
    return false;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  unsigned line_ = 1;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lowerAscii(static_cast<std::uint8_t>(a[i])) != lowerAscii(static_cast<std::uint8_t>(b[i])))
      return false;
  return true;
}

bool isNumber(std::string_view s) {
  return !s.empty() && s[0] >= '0' && s[0] <= '9';
}

class Parser {
 public:
  Parser(const ZoneParseOptions& options, const ZoneRecordSink& sink,
         std::vector<ZoneError>& errors)
      : options_(options), sink_(sink), errors_(errors) {
    ttl_ = options.defaultTtl;
  }

  void run(std::string_view text, const std::string& file, const Name& origin, unsigned depth) {
    Lexer lexer(text);
    Entry entry;
    Name savedOrigin = origin_;
    origin_ = origin;
    std::string error;
    unsigned errorLine = 0;
    while (errors_.size() < kMaxErrors && lexer.next(entry, error, errorLine)) {
      if (!error.empty()) {
        fail(file, errorLine, error);
        continue;
      }
      handle(entry, file, depth);
    }
    // $ORIGIN inside an included file does not leak out of it (RFC 1035 5.1).
    if (depth > 0) origin_ = savedOrigin;
  }

  bool ok() const { return failed_ == false; }

 private:
  void fail(const std::string& file, unsigned line, std::string message) {
    failed_ = true;
    if (errors_.size() < kMaxErrors) errors_.push_back({file, line, std::move(message)});
  }

  std::optional<Name> name(std::string_view text) {
    if (text == "@") return origin_;
    return Name::fromText(text, &origin_);
  }

  void handle(const Entry& e, const std::string& file, unsigned depth) {
    const Token& first = e.tokens[0];
    if (!e.blankOwner && !first.quoted && !first.text.empty() && first.text[0] == '$') {
      directive(e, file, depth);
      return;
    }
    std::size_t i = 0;
    if (!e.blankOwner) {
      auto n = name(e.tokens[0].text);
      if (!n) return fail(file, e.line, "bad owner name '" + e.tokens[0].text + "'");
      owner_ = *n;
      haveOwner_ = true;
      i = 1;
    } else if (!haveOwner_) {
      return fail(file, e.line, "no owner name for the first record");
    }
    record(e, i, owner_, file);
  }

  // Parses [ttl] [class] type rdata from e.tokens[i..] and emits the record.
  void record(const Entry& e, std::size_t i, const Name& owner, const std::string& file) {
    std::optional<std::uint32_t> ttl;
    bool haveClass = false;
    for (int k = 0; k < 2 && i < e.count; ++k) {
      const std::string& t = e.tokens[i].text;
      if (!ttl && isNumber(t)) {
        ttl = parseTtl(t);
        if (!ttl) return fail(file, e.line, "bad TTL '" + t + "'");
        ++i;
      } else if (!haveClass && (iequals(t, "IN") || iequals(t, "CH") || iequals(t, "HS") ||
                                iequals(t, "CS") || iequals(t, "CLASS1"))) {
        if (!iequals(t, "IN") && !iequals(t, "CLASS1"))
          return fail(file, e.line, "only class IN is supported");
        haveClass = true;
        ++i;
      }
    }
    if (i >= e.count) return fail(file, e.line, "missing record type");
    auto type = typeFromText(e.tokens[i].text);
    if (!type) return fail(file, e.line, "unknown record type '" + e.tokens[i].text + "'");
    if (isMetaType(*type))
      return fail(file, e.line, "type " + e.tokens[i].text + " cannot appear in a zone");
    ++i;
    std::string error;
    if (!rdataFromText(*type, e.view(i), origin_, rec_.rdata, error))
      return fail(file, e.line, typeToText(*type) + ": " + error);
    if (ttl) {
      lastTtl_ = *ttl;
      haveLastTtl_ = true;
    }
    rec_.name = owner;
    rec_.type = *type;
    rec_.rclass = rclass::kIN;
    rec_.ttl = ttl ? *ttl : haveTtlDirective_ ? ttl_ : haveLastTtl_ ? lastTtl_ : ttl_;
    rec_.file = &file;
    rec_.line = e.line;
    if (++records_ > options_.maxRecords) {
      if (records_ == options_.maxRecords + 1) fail(file, e.line, "too many records");
      return;
    }
    sink_(rec_);
  }

  void directive(const Entry& e, const std::string& file, unsigned depth) {
    const std::string& d = e.tokens[0].text;
    if (iequals(d, "$ORIGIN")) {
      if (e.count != 2) return fail(file, e.line, "$ORIGIN needs one domain name");
      auto n = name(e.tokens[1].text);
      if (!n) return fail(file, e.line, "bad $ORIGIN '" + e.tokens[1].text + "'");
      origin_ = *n;
    } else if (iequals(d, "$TTL")) {
      if (e.count != 2) return fail(file, e.line, "$TTL needs one value");
      auto t = parseTtl(e.tokens[1].text);
      if (!t) return fail(file, e.line, "bad $TTL '" + e.tokens[1].text + "'");
      ttl_ = *t;
      haveTtlDirective_ = true;
    } else if (iequals(d, "$INCLUDE")) {
      include(e, file, depth);
    } else if (iequals(d, "$GENERATE")) {
      generate(e, file);
    } else {
      fail(file, e.line, "unknown directive '" + d + "'");
    }
  }

  void include(const Entry& e, const std::string& file, unsigned depth) {
    if (!options_.allowInclude) return fail(file, e.line, "$INCLUDE is not allowed here");
    if (e.count < 2 || e.count > 3) return fail(file, e.line, "$INCLUDE needs a file name");
    if (depth + 1 > options_.maxIncludeDepth) return fail(file, e.line, "$INCLUDE nested too deep");
    std::string pathText;
    if (!unescapeString(e.tokens[1].text, pathText)) return fail(file, e.line, "bad file name");
    std::filesystem::path path(pathText);
    if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
    Name origin = origin_;
    if (e.count == 3) {
      auto n = name(e.tokens[2].text);
      if (!n) return fail(file, e.line, "bad $INCLUDE origin '" + e.tokens[2].text + "'");
      origin = *n;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(file, e.line, "cannot open $INCLUDE file " + path.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    includedNames_.push_back(std::make_unique<std::string>(path.string()));
    const std::string& name = *includedNames_.back();
    bool savedHave = haveOwner_;
    run(buffer.str(), name, origin, depth + 1);
    haveOwner_ = savedHave;
  }

  // $GENERATE start-stop[/step] lhs [ttl] [class] type rhs
  void generate(const Entry& e, const std::string& file) {
    if (e.count < 4) return fail(file, e.line, "$GENERATE needs range, owner, type and data");
    const std::string& range = e.tokens[1].text;
    unsigned long start = 0, stop = 0, step = 1;
    char dash = 0, slash = 0;
    int consumed = 0;
    int n = std::sscanf(range.c_str(), "%lu%c%lu%n", &start, &dash, &stop, &consumed);
    if (n != 3 || dash != '-') return fail(file, e.line, "bad $GENERATE range '" + range + "'");
    if (static_cast<std::size_t>(consumed) < range.size()) {
      if (std::sscanf(range.c_str() + consumed, "%c%lu", &slash, &step) != 2 || slash != '/' ||
          step == 0)
        return fail(file, e.line, "bad $GENERATE step in '" + range + "'");
    }
    if (start > stop || stop > 0xffffffffUL)
      return fail(file, e.line, "bad $GENERATE range '" + range + "'");
    if ((stop - start) / step + 1 > options_.maxGenerate)
      return fail(file, e.line, "$GENERATE range too large");
    Entry gen;
    gen.line = e.line;
    std::string error;
    for (unsigned long v = start; v <= stop; v += step) {
      gen.count = 0;
      for (std::size_t k = 2; k < e.count; ++k) {
        Token& t = gen.push();
        t.quoted = e.tokens[k].quoted;
        // Substitute in the owner (k == 2) and the RDATA; TTL, class and type are kept.
        if (!substitute(e.tokens[k].text, v, t.text, error))
          return fail(file, e.line, "$GENERATE: " + error);
      }
      auto owner = name(gen.tokens[0].text);
      if (!owner) return fail(file, e.line, "$GENERATE: bad owner '" + gen.tokens[0].text + "'");
      std::size_t before = errors_.size();
      bool failedBefore = failed_;
      record(gen, 1, *owner, file);
      if (failed_ && (!failedBefore || errors_.size() > before)) return;
    }
  }

  static bool substitute(const std::string& in, unsigned long value, std::string& out,
                         std::string& error) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
      char c = in[i];
      if (c == '\\' && i + 1 < in.size() && in[i + 1] == '$') {
        out.push_back('$');
        ++i;
        continue;
      }
      if (c != '$') {
        out.push_back(c);
        continue;
      }
      if (i + 1 < in.size() && in[i + 1] == '$') {  // "$$" is a literal dollar
        out.push_back('$');
        ++i;
        continue;
      }
      long offset = 0;
      unsigned width = 0;
      char base = 'd';
      if (i + 1 < in.size() && in[i + 1] == '{') {
        std::size_t close = in.find('}', i);
        if (close == std::string::npos) return error = "unterminated ${", false;
        std::string spec = in.substr(i + 2, close - i - 2);
        char b = 'd';
        int fields = std::sscanf(spec.c_str(), "%ld,%u,%c", &offset, &width, &b);
        if (fields < 1 || width > 64) return error = "bad modifier ${" + spec + "}", false;
        if (fields == 3) base = b;
        i = close;
      }
      long long v = static_cast<long long>(value) + offset;
      if (v < 0) return error = "negative value", false;
      char buf[80];
      switch (base) {
        case 'd':
          std::snprintf(buf, sizeof buf, "%0*lld", static_cast<int>(width), v);
          break;
        case 'o':
          std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(width), v);
          break;
        case 'x':
          std::snprintf(buf, sizeof buf, "%0*llx", static_cast<int>(width), v);
          break;
        case 'X':
          std::snprintf(buf, sizeof buf, "%0*llX", static_cast<int>(width), v);
          break;
        case 'n':
        case 'N': {
          // Nibble form for reverse zones: hex digits, least significant first, dotted.
          std::string nib;
          unsigned long long u = static_cast<unsigned long long>(v);
          const char* digits = base == 'n' ? "0123456789abcdef" : "0123456789ABCDEF";
          unsigned count = 0;
          do {
            if (!nib.empty()) nib.push_back('.');
            nib.push_back(digits[u & 15]);
            u >>= 4;
            ++count;
          } while (u != 0 || count < width);
          out += nib;
          continue;
        }
        default:
          return error = std::string("bad base '") + base + "'", false;
      }
      out += buf;
    }
    return true;
  }

  const ZoneParseOptions& options_;
  const ZoneRecordSink& sink_;
  std::vector<ZoneError>& errors_;
  std::vector<std::unique_ptr<std::string>> includedNames_;
  Name origin_;
  Name owner_;
  bool haveOwner_ = false;
  std::uint32_t ttl_ = 3600;
  bool haveTtlDirective_ = false;
  std::uint32_t lastTtl_ = 0;
  bool haveLastTtl_ = false;
  std::size_t records_ = 0;
  bool failed_ = false;
  ZoneRecord rec_;
};

}  // namespace

bool parseZoneText(std::string_view text, const std::string& fileName,
                   const ZoneParseOptions& options, const ZoneRecordSink& sink,
                   std::vector<ZoneError>& errors) {
  Parser p(options, sink, errors);
  p.run(text, fileName, options.origin, 0);
  return p.ok();
}

bool parseZoneFile(const std::filesystem::path& file, const ZoneParseOptions& options,
                   const ZoneRecordSink& sink, std::vector<ZoneError>& errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errors.push_back({file.string(), 0, "cannot open zone file"});
    return false;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parseZoneText(text, file.string(), options, sink, errors);
}

}  // namespace wk::dns::codec
