#include "wk/tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <stdexcept>

namespace wk::tls {

namespace asio = boost::asio;

namespace {

std::string opensslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

struct SelfSigned {
  PkeyPtr key;
  X509Ptr cert;
};

SelfSigned generateSelfSigned(const std::string& name) {
  SelfSigned out;
  out.key.reset(EVP_EC_gen("P-256"));
  if (!out.key) throw std::runtime_error("cannot generate a key: " + opensslError());
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  // A random serial: browsers reject two different certs with one issuer and serial.
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 24 * 3600);
  X509_set_pubkey(cert, out.key.get());
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("wellknown self-signed"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::string san = "DNS:" + name + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert, out.key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the self-signed cert: " + opensslError());
  }
  return out;
}

// ALPN selection: the first of our protocols (in our order) that the client offers.
int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* ours = static_cast<const std::vector<std::string>*>(arg);
  for (const auto& proto : *ours) {
    for (unsigned i = 0; i < inlen;) {
      unsigned len = in[i];
      if (i + 1 + len > inlen) break;
      if (len == proto.size() && std::memcmp(in + i + 1, proto.data(), len) == 0) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;  // no overlap: continue without ALPN rather than fail
}

struct ContextHolder {
  asio::ssl::context context{asio::ssl::context::tls_server};
  std::vector<std::string> alpn;
};

}  // namespace

std::shared_ptr<asio::ssl::context> makeServerContext(const ServerOptions& options) {
  auto holder = std::make_shared<ContextHolder>();
  auto& ctx = holder->context;
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression |
                  asio::ssl::context::single_dh_use);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  // Session resumption: server-side cache for TLS 1.2 IDs, tickets for 1.2 and 1.3.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_session_id_context(native, reinterpret_cast<const unsigned char*>("wellknown"), 9);

  if (options.cert.empty()) {
    spdlog::warn(
        "no TLS certificate configured: using a generated self-signed certificate "
        "for '{}' (clients will not trust it; set cert and key)",
        options.selfSignedName);
    auto generated = generateSelfSigned(options.selfSignedName);
    if (SSL_CTX_use_certificate(native, generated.cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(native, generated.key.get()) != 1) {
      throw std::runtime_error("cannot use the self-signed certificate: " + opensslError());
    }
  } else {
    if (SSL_CTX_use_certificate_chain_file(native, options.cert.c_str()) != 1) {
      throw std::runtime_error("cannot load TLS certificate " + options.cert.string() + ": " +
                               opensslError());
    }
    if (SSL_CTX_use_PrivateKey_file(native, options.key.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("cannot load TLS key " + options.key.string() + ": " +
                               opensslError());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      throw std::runtime_error("TLS key " + options.key.string() + " does not match " +
                               options.cert.string());
    }
  }
  if (!options.alpn.empty()) {
    holder->alpn = options.alpn;
    SSL_CTX_set_alpn_select_cb(native, selectAlpn, &holder->alpn);
  }
  // Aliasing constructor: the context lives as long as the holder with its ALPN list.
  return std::shared_ptr<asio::ssl::context>(holder, &holder->context);
}

std::shared_ptr<asio::ssl::context> makeClientContext(bool verify) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  if (verify) {
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(asio::ssl::verify_peer);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  return ctx;
}

void writeSelfSigned(const std::filesystem::path& certPath, const std::filesystem::path& keyPath,
                     const std::string& name) {
  auto generated = generateSelfSigned(name);
  auto write = [](const std::filesystem::path& path, auto&& writer) {
    FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + path.string());
    bool ok = writer(f);
    std::fclose(f);
    if (!ok) throw std::runtime_error("cannot write " + path.string() + ": " + opensslError());
  };
  write(certPath, [&](FILE* f) { return PEM_write_X509(f, generated.cert.get()) == 1; });
  write(keyPath, [&](FILE* f) {
    return PEM_write_PrivateKey(f, generated.key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  });
  std::filesystem::permissions(
      keyPath, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace wk::tls
