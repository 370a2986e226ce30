#include "wk/tls.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace wk::tls {
namespace {

TEST(Tls, SelfSignedWhenNoCertConfigured) {
  auto ctx = makeServerContext({});
  ASSERT_TRUE(ctx);
  X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx->native_handle()), TLS1_2_VERSION);
}

TEST(Tls, LoadsCertAndKeyFromFiles) {
  auto dir = std::filesystem::temp_directory_path() / "wk_tls_test";
  std::filesystem::create_directories(dir);
  writeSelfSigned(dir / "cert.pem", dir / "key.pem", "test.example");
  auto ctx = makeServerContext({.cert = dir / "cert.pem", .key = dir / "key.pem"});
  EXPECT_NE(SSL_CTX_get0_certificate(ctx->native_handle()), nullptr);
  // The key file is private.
  auto perms = std::filesystem::status(dir / "key.pem").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read, std::filesystem::perms::none);
  std::filesystem::remove_all(dir);
}

TEST(Tls, BadFilesAreClearErrors) {
  auto dir = std::filesystem::temp_directory_path() / "wk_tls_bad";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "junk.pem") << "not a cert\n";
  try {
    makeServerContext({.cert = dir / "junk.pem", .key = dir / "junk.pem"});
    FAIL() << "accepted junk";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.pem"), std::string::npos);
  }
  // A key that does not match the cert.
  writeSelfSigned(dir / "a.pem", dir / "a.key", "a");
  writeSelfSigned(dir / "b.pem", dir / "b.key", "b");
  EXPECT_THROW(makeServerContext({.cert = dir / "a.pem", .key = dir / "b.key"}),
               std::runtime_error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wk::tls
