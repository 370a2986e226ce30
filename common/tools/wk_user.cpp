// wk-user: manage the accounts that SMTP AUTH, POP3 and FTP check.
//
//   wk-user [--db FILE] add|del|passwd|list [NAME]
//
// Passwords are read from stdin, one line (prompted for twice, without echo, when stdin is
// a terminal), so they never appear in argv or shell history. Exit 0 on success, 1 with a
// "wk-user: ..." message otherwise.

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wk/accounts.hpp"

namespace {

constexpr std::size_t kMaxPassword = 4096;

constexpr const char* kUsage =
    "usage: wk-user [--db FILE] add|del|passwd|list [NAME]\n"
    "\n"
    "Manages users in the accounts database (default users.sqlite) shared by\n"
    "smtp-server, pop3-server and ftp-server.\n"
    "\n"
    "  add NAME      create NAME; the password is read from stdin (one line)\n"
    "  del NAME      delete NAME\n"
    "  passwd NAME   set NAME's password, read from stdin\n"
    "  list          print every user name, one per line\n"
    "\n"
    "Names are 1..64 of A-Z a-z 0-9 . _ @ + -. Passwords may not be empty.\n";

int fail(const std::string& message) {
  std::cerr << "wk-user: " << message << "\n";
  return 1;
}

// One line from stdin without its line ending; nullopt at EOF with nothing read.
std::optional<std::string> readLine() {
  std::string line;
  int c;
  bool any = false;
  while ((c = std::getchar()) != EOF) {
    any = true;
    if (c == '\n') break;
    if (line.size() > kMaxPassword) continue;  // keep draining, refuse below
    line.push_back(static_cast<char>(c));
  }
  if (!any) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<std::string> promptNoEcho(const char* prompt) {
  // Echo goes off before the prompt is shown, so nothing typed in answer is ever echoed;
  // TCSANOW rather than TCSAFLUSH so input typed ahead of the prompt is not lost.
  termios old{};
  bool haveTerm = tcgetattr(STDIN_FILENO, &old) == 0;
  if (haveTerm) {
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  auto line = readLine();
  if (haveTerm) tcsetattr(STDIN_FILENO, TCSANOW, &old);
  return line;
}

// The new password, or nullopt after printing why not.
std::optional<std::string> readPassword() {
  std::optional<std::string> password;
  if (::isatty(STDIN_FILENO)) {
    password = promptNoEcho("Password: ");
    auto again = promptNoEcho("Retype password: ");
    if (password && again && *password != *again) {
      fail("passwords do not match");
      return std::nullopt;
    }
  } else {
    password = readLine();
  }
  if (!password) {
    fail("no password on stdin");
    return std::nullopt;
  }
  if (password->empty()) {
    fail("empty password");
    return std::nullopt;
  }
  if (password->size() > kMaxPassword) {
    fail("password longer than " + std::to_string(kMaxPassword) + " bytes");
    return std::nullopt;
  }
  return password;
}

int run(const std::string& db, const std::string& command, const std::string& name) {
  // The database holds password hashes: readable by its owner only, whatever the umask.
  ::umask(077);
  wk::AccountStore store(db);
  if (command == "list") {
    for (const auto& user : store.list()) std::cout << user << "\n";
    return 0;
  }
  if (!wk::AccountStore::validName(name))
    return fail("invalid user name '" + name + "' (1..64 of A-Z a-z 0-9 . _ @ + -)");
  if (command == "del") {
    if (!store.remove(name)) return fail("no user '" + name + "'");
    std::cerr << "wk-user: deleted '" << name << "'\n";
    return 0;
  }
  // add and passwd: check first, so the password is not asked for in vain.
  bool exists = store.exists(name);
  if (command == "add" && exists) return fail("user '" + name + "' exists");
  if (command == "passwd" && !exists) return fail("no user '" + name + "'");
  auto password = readPassword();
  if (!password) return 1;
  if (command == "add") {
    if (!store.add(name, *password)) return fail("user '" + name + "' exists");
    std::cerr << "wk-user: added '" << name << "'\n";
  } else {
    if (!store.setPassword(name, *password)) return fail("no user '" + name + "'");
    std::cerr << "wk-user: password changed for '" << name << "'\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  std::string db = "users.sqlite";
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--db") {
      if (i + 1 >= args.size()) return fail("--db needs a FILE");
      db = args[++i];
    } else if (a.substr(0, 5) == "--db=") {
      db = a.substr(5);
    } else if (a.size() > 1 && a.front() == '-') {
      std::cerr << kUsage;
      return fail("unknown option '" + std::string(a) + "'");
    } else {
      positional.emplace_back(a);
    }
  }
  if (positional.empty()) {
    std::cerr << kUsage;
    return 1;
  }
  const std::string& command = positional[0];
  bool needsName = command == "add" || command == "del" || command == "passwd";
  if (!needsName && command != "list") {
    std::cerr << kUsage;
    return fail("unknown command '" + command + "'");
  }
  if (needsName && positional.size() != 2) return fail(command + " needs exactly one NAME");
  if (!needsName && positional.size() != 1) return fail("list takes no NAME");
  if (db.empty()) return fail("--db needs a FILE");
  try {
    return run(db, command, needsName ? positional[1] : std::string());
  } catch (const std::exception& e) {
    return fail(db + ": " + e.what());
  }
}
