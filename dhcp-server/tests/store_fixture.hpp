#pragma once
// Both lease store backends behind one factory, so a test suite parameterised on the
// backend name runs unchanged against each (the conformance suite).

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/lease_store.hpp"

namespace wk::dhcp::testing {

using codec::Ip4;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("wk-dhcp-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::unique_ptr<engine::LeaseStore> makeStore(const std::string& kind, const TempDir& dir) {
  if (kind == "sqlite") return std::make_unique<engine::SqliteLeaseStore>(dir.path() / "leases.db");
  return std::make_unique<engine::MemoryLeaseStore>();
}

inline const auto kBackends = ::testing::Values(std::string("memory"), std::string("sqlite"));

}  // namespace wk::dhcp::testing
