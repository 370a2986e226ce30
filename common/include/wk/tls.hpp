#pragma once
// OpenSSL contexts for servers (TLS 1.2+, ALPN, session resumption) and clients.

#include <boost/asio/ssl/context.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace wk::tls {

struct ServerOptions {
  std::filesystem::path cert;     // PEM chain; empty = generate a self-signed one (warned)
  std::filesystem::path key;      // PEM private key
  std::vector<std::string> alpn;  // protocols we accept, in preference order ("http/1.1")
  std::string selfSignedName = "localhost";
};

// Throws std::runtime_error with the file and OpenSSL's reason on a bad cert or key.
std::shared_ptr<boost::asio::ssl::context> makeServerContext(const ServerOptions& options);

// A client context; verify=false for tests and for talking to self-signed upstreams.
std::shared_ptr<boost::asio::ssl::context> makeClientContext(bool verify);

// Writes a fresh self-signed cert and key as PEM files (tests and `wk run` use it).
void writeSelfSigned(const std::filesystem::path& cert, const std::filesystem::path& key,
                     const std::string& name);

}  // namespace wk::tls
