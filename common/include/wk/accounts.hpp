#pragma once
// User accounts shared by SMTP AUTH, POP3 and FTP: names with salted, slow password
// hashes (scrypt, parameters stored with each hash) in SQLite. verify() runs in constant
// time for the comparison and does the same hashing work for unknown users, so timing
// does not tell which names exist.

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wk/sqlite.hpp"

namespace wk {

// "$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>" (standard base64 alphabet, no padding;
// 16 random salt bytes, 32 hash bytes). ln=15 costs ~0.1 s and 32 MiB per hash.
inline constexpr int kScryptLogN = 15;
inline constexpr int kScryptR = 8;
inline constexpr int kScryptP = 1;

// Throws std::invalid_argument for an empty password or parameters outside the accepted
// range (ln 1..20, r 1..32, p 1..16, at most 256 MiB of scrypt memory).
std::string hashPassword(std::string_view password);
std::string hashPassword(std::string_view password, int logN, int r, int p);
// false for a wrong password, an empty password, or a malformed/out-of-range encoding.
bool verifyPassword(std::string_view password, std::string_view encoded);

// Safe to share between threads (one connection behind a mutex; hashing runs outside it).
// Several processes may use the same file (WAL, busy timeout). Reads go to the database
// on every call, so users added by wk-user are seen at once without a reload.
class AccountStore {
 public:
  // Creates the file and schema if needed. Throws sqlite::Error.
  explicit AccountStore(const std::filesystem::path& database);

  // false if the user exists already. add and setPassword throw std::invalid_argument for
  // an invalid name or an empty password.
  bool add(std::string_view user, std::string_view password);
  bool remove(std::string_view user);
  // false if there is no such user.
  bool setPassword(std::string_view user, std::string_view password);
  std::vector<std::string> list();  // sorted by name
  bool exists(std::string_view user);
  bool verify(std::string_view user, std::string_view password);

  // Names are 1..64 bytes of [A-Za-z0-9._@+-].
  static bool validName(std::string_view user);

 private:
  std::optional<std::string> storedHash(std::string_view user);

  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace wk
