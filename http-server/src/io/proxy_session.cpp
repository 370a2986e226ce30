#include "io/proxy_session.hpp"

#include <spdlog/spdlog.h>

#include "codec/response_parser.hpp"
#include "engine/static_site.hpp"
#include "io/upstream.hpp"

namespace wk::http::io {

namespace asio = boost::asio;

namespace {

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE" || method == "TRACE";
}

// The origin-form of a target (absolute-form loses its scheme and authority).
std::string originForm(std::string_view target) {
  auto sep = target.find("://");
  if (target.starts_with('/') || sep == std::string_view::npos) return std::string(target);
  auto slash = target.find_first_of("/?", sep + 3);
  if (slash == std::string_view::npos) return "/";
  std::string out(target.substr(slash));
  if (out.front() == '?') out.insert(out.begin(), '/');
  return out;
}

ProxyResult failure(int status, const std::string& date, const std::string& server,
                    bool clientKeepAlive) {
  ProxyResult r;
  r.error = engine::errorResponse(status, date, server);
  r.status = status;
  r.keepAlive = clientKeepAlive;
  return r;
}

}  // namespace

asio::awaitable<ProxyResult> forwardRequest(Connection& client, const codec::Request& request,
                                            const engine::ReverseRoute& route,
                                            ProxyTimeouts timeouts, bool clientKeepAlive,
                                            bool forwardProxy, std::string date,
                                            std::string server) {
  const auto& upstream = route.upstream;
  auto clientAddress = unmapped(client.remote().address()).to_string();
  auto text = engine::buildUpstreamRequest(
      request, originForm(request.target), upstream,
      {.clientAddress = clientAddress, .tls = client.isTls(), .forwardProxy = forwardProxy});
  text += request.body;

  codec::Limits limits;
  limits.maxBody = std::uint64_t{1} << 62;  // streamed, never held whole
  codec::ResponseParser parser(limits);
  std::shared_ptr<UpstreamConn> conn;

  // Get a response head; a pooled connection the upstream closed meanwhile gets one retry
  // on a fresh connection (idempotent methods only, RFC 9110 9.2.2).
  for (int attempt = 0;; ++attempt) {
    conn = attempt == 0 ? takeIdle(upstream) : nullptr;
    if (!conn) {
      conn = UpstreamConn::create(client.socket().get_executor());
      auto c = co_await conn->connect(upstream, timeouts.connect);
      if (!c) {
        spdlog::warn("upstream {} unreachable: {}", upstream.authority(), c.error().message());
        co_return failure(conn->timedOut() ? 504 : 502, date, server, clientKeepAlive);
      }
    }
    const bool mayRetry = conn->reused() && attempt == 0 && idempotent(request.method);
    conn->expiresAfter(timeouts.response);
    if (auto w = co_await conn->write(text); !w) {
      if (mayRetry) continue;
      co_return failure(conn->timedOut() ? 504 : 502, date, server, clientKeepAlive);
    }
    parser.reset(request.method);
    bool retry = false;
    bool received = false;
    while (parser.state() == codec::ResponseParser::State::head) {
      auto used = parser.feed(conn->buffer());
      conn->buffer().erase(0, used);
      if (parser.state() != codec::ResponseParser::State::head) {
        // Interim 1xx responses (100 Continue, 103 Early Hints) are not forwarded.
        auto status = parser.response().status;
        if (parser.state() == codec::ResponseParser::State::complete && status >= 100 &&
            status < 200 && status != 101) {
          parser.reset(request.method);
          continue;
        }
        break;
      }
      auto n = co_await conn->read();
      if (!n || *n == 0) {
        if (mayRetry && !received && (!n || *n == 0)) {
          retry = true;
          break;
        }
        bool timedOut = conn->timedOut();
        conn->close();
        co_return failure(timedOut ? 504 : 502, date, server, clientKeepAlive);
      }
      received = true;
    }
    if (retry) {
      conn->close();
      continue;
    }
    break;
  }
  if (parser.state() == codec::ResponseParser::State::error) {
    spdlog::warn("upstream {} sent a malformed response: {}", upstream.authority(),
                 codec::describe(parser.error()));
    conn->close();
    co_return failure(502, date, server, clientKeepAlive);
  }

  auto& resp = parser.response();
  ProxyResult result;
  result.sent = true;
  result.status = resp.status;
  codec::ResponseHead head;
  head.status = resp.status;
  head.headers = resp.headers;
  engine::rewriteResponseHeaders(head.headers);
  const bool noBody =
      request.method == "HEAD" || resp.status == 204 || resp.status == 304 || resp.status < 200;
  bool chunkedOut = false;
  if (!noBody && !resp.contentLength) {
    if (request.versionMinor >= 1) {
      chunkedOut = true;
      head.headers.add("Transfer-Encoding", "chunked");
    } else {
      clientKeepAlive = false;  // an HTTP/1.0 client reads to the close
    }
  }
  if (!clientKeepAlive) head.headers.add("Connection", "close");
  std::string out;
  codec::serializeHead(head, out);

  auto forwardBody = [&](std::string& dest) {
    auto& body = resp.body;
    if (body.empty()) return;
    result.bytes += body.size();
    if (chunkedOut) {
      codec::appendChunk(body, dest);
    } else {
      dest += body;
    }
    body.clear();
  };
  forwardBody(out);
  while (parser.state() == codec::ResponseParser::State::body) {
    if (!out.empty()) {
      client.expiresAfter(timeouts.send);
      if (!co_await client.write(out)) {
        conn->close();
        co_return result;  // keepAlive false: the client went away
      }
      out.clear();
    }
    conn->expiresAfter(timeouts.response);
    auto n = co_await conn->read();
    if (!n) {
      // Mid-body failure: the status is sent, so the only signal left is closing.
      conn->close();
      co_return result;
    }
    if (*n == 0) parser.finish();
    auto used = parser.feed(conn->buffer());
    conn->buffer().erase(0, used);
    forwardBody(out);
  }
  if (parser.state() != codec::ResponseParser::State::complete) {
    conn->close();
    if (!out.empty()) {
      client.expiresAfter(timeouts.send);
      co_await client.write(out);
    }
    co_return result;
  }
  if (chunkedOut) codec::appendLastChunk(out);
  client.expiresAfter(timeouts.send);
  auto w = co_await client.write(out);
  if (resp.keepAlive && conn->buffer().empty()) {
    conn->expiresAfter(std::chrono::hours(24 * 365));
    putIdle(upstream, std::move(conn));
  } else {
    conn->close();
  }
  result.keepAlive = w && clientKeepAlive;
  co_return result;
}

}  // namespace wk::http::io
