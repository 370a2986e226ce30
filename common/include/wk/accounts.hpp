#pragma once
// User accounts shared by SMTP AUTH, POP3 and FTP: names with salted, slow password
// hashes (scrypt, parameters stored with each hash) in SQLite. verify() runs in constant
// time for the comparison and does the same hashing work for unknown users, so timing
// does not tell which names exist.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wk/sqlite.hpp"

namespace wk {

// "$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>"
std::string hashPassword(std::string_view password);
std::string hashPassword(std::string_view password, int logN, int r, int p);
bool verifyPassword(std::string_view password, std::string_view encoded);

class AccountStore {
 public:
  explicit AccountStore(const std::filesystem::path& database);

  // false if the user exists already.
  bool add(std::string_view user, std::string_view password);
  bool remove(std::string_view user);
  bool setPassword(std::string_view user, std::string_view password);
  std::vector<std::string> list();
  bool exists(std::string_view user);
  bool verify(std::string_view user, std::string_view password);

  // Names are 1..64 bytes of [A-Za-z0-9._@+-].
  static bool validName(std::string_view user);

 private:
  sqlite::Database db_;
};

}  // namespace wk
