#include "wk/accounts.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace wk {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
// Hashes read back from storage are bounded too: a tampered row must not make verify()
// allocate gigabytes or spin for minutes.
constexpr std::uint64_t kMaxScryptMemory = 256ull << 20;

struct Params {
  int logN = 0;
  int r = 0;
  int p = 0;
};

bool paramsValid(const Params& k) {
  if (k.logN < 1 || k.logN > 20 || k.r < 1 || k.r > 32 || k.p < 1 || k.p > 16) return false;
  std::uint64_t n = 1ull << k.logN;
  std::uint64_t mem = 128ull * static_cast<std::uint64_t>(k.r) * (n + 2) +
                      128ull * static_cast<std::uint64_t>(k.r) * static_cast<std::uint64_t>(k.p);
  return mem <= kMaxScryptMemory;
}

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string b64Encode(const std::uint8_t* data, std::size_t n) {
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (n - i == 1) {
    std::uint32_t v = data[i] << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
  } else if (n - i == 2) {
    std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
  }
  return out;
}

int b64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict unpadded base64: any other byte, or a length that cannot come from the encoder,
// makes the encoding invalid.
bool b64Decode(std::string_view in, std::vector<std::uint8_t>& out) {
  if (in.size() % 4 == 1) return false;
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = b64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Leftover bits must be zero, so each byte string has exactly one encoding.
  return (acc & ((1u << bits) - 1)) == 0;
}

bool parseInt(std::string_view s, int& out) {
  if (s.empty() || s.size() > 3) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

struct Decoded {
  Params params;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

// "$scrypt$ln=15,r=8,p=1$<salt>$<hash>"
bool decode(std::string_view enc, Decoded& d) {
  constexpr std::string_view kPrefix = "$scrypt$ln=";
  if (enc.substr(0, kPrefix.size()) != kPrefix) return false;
  enc.remove_prefix(kPrefix.size());
  auto take = [&enc](char sep, std::string_view& field) {
    auto pos = enc.find(sep);
    if (pos == std::string_view::npos) return false;
    field = enc.substr(0, pos);
    enc.remove_prefix(pos + 1);
    return true;
  };
  std::string_view ln, r, p, salt;
  if (!take(',', ln) || !parseInt(ln, d.params.logN)) return false;
  if (enc.substr(0, 2) != "r=") return false;
  enc.remove_prefix(2);
  if (!take(',', r) || !parseInt(r, d.params.r)) return false;
  if (enc.substr(0, 2) != "p=") return false;
  enc.remove_prefix(2);
  if (!take('$', p) || !parseInt(p, d.params.p)) return false;
  if (!take('$', salt)) return false;
  if (!paramsValid(d.params)) return false;
  if (!b64Decode(salt, d.salt) || !b64Decode(enc, d.hash)) return false;
  return d.salt.size() >= 8 && d.salt.size() <= 64 && d.hash.size() >= 16 && d.hash.size() <= 64;
}

void scrypt(std::string_view password, const std::vector<std::uint8_t>& salt, const Params& k,
            std::uint8_t* out, std::size_t outLen) {
  std::uint64_t n = 1ull << k.logN;
  if (EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n,
                     static_cast<std::uint64_t>(k.r), static_cast<std::uint64_t>(k.p),
                     kMaxScryptMemory + (1u << 20), out, outLen) != 1) {
    throw std::runtime_error("scrypt failed (out of memory?)");
  }
}

std::string encode(const Params& k, const std::vector<std::uint8_t>& salt, const std::uint8_t* hash,
                   std::size_t n) {
  return "$scrypt$ln=" + std::to_string(k.logN) + ",r=" + std::to_string(k.r) +
         ",p=" + std::to_string(k.p) + "$" + b64Encode(salt.data(), salt.size()) + "$" +
         b64Encode(hash, n);
}

// The encoded hash of a random password at default cost, made once: verify() of an
// unknown user runs scrypt against it, so the time spent matches a known user's.
const std::string& dummyHash() {
  static const std::string hash = [] {
    std::array<std::uint8_t, 16> random{};
    RAND_bytes(random.data(), static_cast<int>(random.size()));
    return hashPassword(b64Encode(random.data(), random.size()));
  }();
  return hash;
}

void checkAccount(std::string_view user, std::string_view password) {
  if (!AccountStore::validName(user))
    throw std::invalid_argument("invalid user name (1..64 of A-Z a-z 0-9 . _ @ + -)");
  if (password.empty()) throw std::invalid_argument("empty password");
}

}  // namespace

std::string hashPassword(std::string_view password) {
  return hashPassword(password, kScryptLogN, kScryptR, kScryptP);
}

std::string hashPassword(std::string_view password, int logN, int r, int p) {
  if (password.empty()) throw std::invalid_argument("empty password");
  Params k{logN, r, p};
  if (!paramsValid(k)) throw std::invalid_argument("scrypt parameters out of range");
  std::vector<std::uint8_t> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  std::array<std::uint8_t, kHashBytes> hash{};
  scrypt(password, salt, k, hash.data(), hash.size());
  std::string out = encode(k, salt, hash.data(), hash.size());
  OPENSSL_cleanse(hash.data(), hash.size());
  return out;
}

bool verifyPassword(std::string_view password, std::string_view encoded) {
  if (password.empty()) return false;
  Decoded d;
  if (!decode(encoded, d)) return false;
  std::vector<std::uint8_t> got(d.hash.size());
  scrypt(password, d.salt, d.params, got.data(), got.size());
  bool same = CRYPTO_memcmp(got.data(), d.hash.data(), got.size()) == 0;
  OPENSSL_cleanse(got.data(), got.size());
  return same;
}

// ---------------------------------------------------------------------------------------
// AccountStore

AccountStore::AccountStore(const std::filesystem::path& database) : db_(database) {
  db_.migrate({
      "CREATE TABLE users ("
      "  name TEXT PRIMARY KEY NOT NULL,"
      "  hash TEXT NOT NULL,"
      "  created INTEGER NOT NULL DEFAULT (unixepoch()),"
      "  updated INTEGER NOT NULL DEFAULT (unixepoch())"
      ") WITHOUT ROWID",
  });
}

bool AccountStore::validName(std::string_view user) {
  if (user.empty() || user.size() > 64) return false;
  for (char c : user) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool AccountStore::add(std::string_view user, std::string_view password) {
  checkAccount(user, password);
  // Hash before taking the lock: scrypt is the slow part and needs no database.
  std::string hash = hashPassword(password);
  std::lock_guard lock(mutex_);
  auto st = db_.prepare("INSERT INTO users(name, hash) VALUES(?1, ?2) ON CONFLICT DO NOTHING");
  st.bind(1, user).bind(2, std::string_view(hash)).run();
  return db_.changes() == 1;
}

bool AccountStore::remove(std::string_view user) {
  std::lock_guard lock(mutex_);
  auto st = db_.prepare("DELETE FROM users WHERE name = ?1");
  st.bind(1, user).run();
  return db_.changes() == 1;
}

bool AccountStore::setPassword(std::string_view user, std::string_view password) {
  checkAccount(user, password);
  std::string hash = hashPassword(password);
  std::lock_guard lock(mutex_);
  auto st = db_.prepare("UPDATE users SET hash = ?2, updated = unixepoch() WHERE name = ?1");
  st.bind(1, user).bind(2, std::string_view(hash)).run();
  return db_.changes() == 1;
}

std::vector<std::string> AccountStore::list() {
  std::lock_guard lock(mutex_);
  auto st = db_.prepare("SELECT name FROM users ORDER BY name");
  std::vector<std::string> names;
  while (st.step()) names.push_back(st.text(0));
  return names;
}

bool AccountStore::exists(std::string_view user) {
  return storedHash(user).has_value();
}

std::optional<std::string> AccountStore::storedHash(std::string_view user) {
  std::lock_guard lock(mutex_);
  auto st = db_.prepare("SELECT hash FROM users WHERE name = ?1");
  st.bind(1, user);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

bool AccountStore::verify(std::string_view user, std::string_view password) {
  if (password.empty()) return false;
  std::optional<std::string> hash;
  if (validName(user)) hash = storedHash(user);
  if (!hash) {
    // Same work as a real check, result discarded: an unknown name costs what a known one
    // does.
    (void)verifyPassword(password, dummyHash());
    return false;
  }
  return verifyPassword(password, *hash);
}

}  // namespace wk
