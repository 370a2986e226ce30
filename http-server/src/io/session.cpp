// One HTTP/1.1 connection: read a request, answer it, repeat. Pipelined requests are
// answered in order from the bytes already buffered. Timeouts are deadlines on the whole
// phase (slowloris sends one byte at a time; a per-read timeout never fires for it).

#include <sys/sendfile.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include "codec/conditional.hpp"
#include "io/proxy_session.hpp"
#include "io/service.hpp"

namespace wk::http::io {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// File bytes up to this size are read into the response buffer and sent with the head in
// one write (one syscall pair beats write + sendfile for small files); larger ones use
// sendfile on plain connections.
constexpr std::uint64_t kInlineFile = 64 * 1024;
constexpr std::size_t kFlushAt = 256 * 1024;

// The Date header value, formatted once per second per thread.
std::string_view currentDate() {
  thread_local std::time_t cached = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    cached = now;
    text = codec::formatHttpDate(now);
  }
  return text;
}

// The connection's receive buffer: bytes in [start_, end_), compacted when it runs out of
// room; never larger than the head limit plus one read.
class RecvBuffer {
 public:
  explicit RecvBuffer(std::size_t capacity) : data_(new char[capacity]), capacity_(capacity) {}
  std::string_view view() const { return {data_.get() + start_, end_ - start_}; }
  bool empty() const { return start_ == end_; }
  void consume(std::size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }
  // Room for a read at the end (at least kReadChunk or what is left).
  std::span<std::uint8_t> prepare() {
    if (capacity_ - end_ < kReadChunk && start_ > 0) {
      std::memmove(data_.get(), data_.get() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    return {reinterpret_cast<std::uint8_t*>(data_.get() + end_), capacity_ - end_};
  }
  void commit(std::size_t n) { end_ += n; }
  bool full() const { return start_ == 0 && end_ == capacity_; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
};

asio::awaitable<Result<void>> flush(Connection& conn, std::string& out,
                                    std::chrono::milliseconds sendTimeout) {
  if (out.empty()) co_return Result<void>{};
  conn.expiresAfter(sendTimeout);
  auto r = co_await conn.write(out);
  out.clear();
  co_return r;
}

// sendfile(2) straight from the page cache to the socket (plain connections only).
asio::awaitable<Result<void>> sendFileSpan(Connection& conn, int fd, std::uint64_t offset,
                                           std::uint64_t length,
                                           std::chrono::milliseconds sendTimeout) {
  auto& socket = conn.socket();
  boost::system::error_code ec;
  socket.native_non_blocking(true, ec);
  while (length > 0) {
    off_t off = static_cast<off_t>(offset);
    auto n = ::sendfile(socket.native_handle(), fd, &off,
                        static_cast<std::size_t>(std::min<std::uint64_t>(length, 1u << 30)));
    if (n > 0) {
      offset += static_cast<std::uint64_t>(n);
      length -= static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) co_return make_error_code(boost::system::errc::io_error);  // file shrank
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      co_return ErrorCode(errno, boost::system::system_category());
    }
    conn.expiresAfter(sendTimeout);
    auto [waitEc] = co_await socket.async_wait(asio::ip::tcp::socket::wait_write,
                                               asio::as_tuple(asio::use_awaitable));
    if (waitEc) co_return waitEc;
  }
  // Tell the connection the last operation was a write (it closes idle connections at
  // once on a graceful stop).
  co_return co_await conn.write(std::string_view());
}

// Appends the response to out and writes it; with defer, a small response stays in out so
// that answers to pipelined requests leave in one write. Returns the body bytes sent (for
// the access log).
asio::awaitable<Result<std::uint64_t>> sendResponse(Connection& conn, const engine::Response& r,
                                                    std::string& out,
                                                    std::chrono::milliseconds sendTimeout,
                                                    bool defer = false) {
  codec::serializeHead(r.head, out);
  std::uint64_t sent = 0;
  if (!r.headOnly) {
    const bool canSendfile = !conn.isTls() && r.file && r.file->fd() >= 0;
    for (const auto& seg : r.body) {
      out += seg.text;
      sent += seg.text.size();
      if (seg.length == 0 || !r.file) continue;
      if (canSendfile && seg.length > kInlineFile) {
        if (auto f = co_await flush(conn, out, sendTimeout); !f) co_return f.error();
        auto s = co_await sendFileSpan(conn, r.file->fd(), seg.offset, seg.length, sendTimeout);
        if (!s) co_return s.error();
        sent += seg.length;
        continue;
      }
      std::uint64_t done = 0;
      while (done < seg.length) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(seg.length - done, kFlushAt));
        auto old = out.size();
        out.resize(old + want);
        auto n = r.file->read(seg.offset + done, std::span<char>(out.data() + old, want));
        if (n <= 0) co_return make_error_code(boost::system::errc::io_error);  // file shrank
        out.resize(old + static_cast<std::size_t>(n));
        done += static_cast<std::uint64_t>(n);
        if (out.size() >= kFlushAt) {
          if (auto f = co_await flush(conn, out, sendTimeout); !f) co_return f.error();
        }
      }
      sent += seg.length;
    }
  }
  if (defer && out.size() < kFlushAt) co_return sent;
  if (auto f = co_await flush(conn, out, sendTimeout); !f) co_return f.error();
  co_return sent;
}

void logAccess(const State& st, const Connection& conn, const codec::Request* req, int status,
               std::uint64_t bytes) {
  if (!st.accessLog) return;
  auto remote = unmapped(conn.remote().address()).to_string();
  AccessEntry e;
  e.remote = remote;
  e.time = std::time(nullptr);
  e.status = status;
  e.bytes = bytes;
  if (req) {
    e.method = req->method;
    e.target = req->target;
    e.versionMinor = req->versionMinor;
    e.referer = req->headers.get("Referer").value_or("");
    e.userAgent = req->headers.get("User-Agent").value_or("");
  }
  st.accessLog->write(e);
}

// The origin of an absolute-form http:// target (forward proxy), or nullopt.
std::optional<engine::Upstream> absoluteTarget(std::string_view target) {
  if (target.size() < 8 || !codec::iequals(target.substr(0, 7), "http://")) return std::nullopt;
  auto end = target.find_first_of("/?", 7);
  return engine::parseUpstream(target.substr(0, end));
}

// The reverse-proxy route for a request, if any.
const engine::ReverseRoute* routeFor(const HttpConfig& cfg, const codec::Request& request) {
  if (cfg.routes.empty()) return nullptr;
  auto target = engine::parseTargetPath(request.target);
  if (!target) return nullptr;
  return engine::matchRoute(cfg.routes, target->path);
}

}  // namespace

asio::awaitable<void> serveConnection(const HttpService* service, Connection& conn,
                                      bool forwardProxy) {
  auto st = service->state();
  // Clients outside [proxy] allow get 403 for their first request (read first, so the
  // close does not turn into a reset that loses the answer).
  const bool allowed = !forwardProxy || st->config.proxyAllow.contains(conn.remote().address());
  RecvBuffer buffer(st->config.limits.maxHeaderBytes + kReadChunk);
  codec::RequestParser parser(st->config.limits);
  // The route decides, once the head is in, whether the body is kept (proxied) or dropped
  // (static files take no request bodies).
  parser.pauseAfterHead(true);
  std::string out;
  bool first = true;

  for (;;) {
    parser.reset();
    st = service->state();
    const auto& cfg = st->config;
    conn.expiresAfter(first ? cfg.headerTimeout : cfg.keepaliveTimeout);
    // The header deadline runs from the request's first byte, but is only set once a read
    // leaves the head incomplete: a request that arrives whole never re-arms the timer.
    bool started = !buffer.empty();
    bool headerDeadline = false;
    auto headStart = Clock::now();
    bool sentContinue = false;
    bool inBody = false;
    bool bodyFed = false;

    // Read until one request is complete or refused.
    for (;;) {
      auto used = parser.feed(buffer.view());
      buffer.consume(used);
      auto state = parser.state();
      if (state == codec::RequestParser::State::complete ||
          state == codec::RequestParser::State::error) {
        break;
      }
      if (!out.empty()) {
        // Answers to earlier pipelined requests leave before we wait (or send 100).
        if (!co_await flush(conn, out, cfg.sendTimeout)) co_return;
        conn.expiresAfter(cfg.keepaliveTimeout);
      }
      if (state == codec::RequestParser::State::body && !inBody) {
        inBody = true;
        parser.storeBody(forwardProxy || routeFor(cfg, parser.request()) != nullptr);
        conn.expiresAfter(cfg.bodyTimeout);
        if (parser.request().expectContinue && !sentContinue) {
          sentContinue = true;
          if (!co_await conn.write("HTTP/1.1 100 Continue\r\n\r\n")) co_return;
        }
      }
      // Body bytes that came with the head: feed them before reading more.
      if (inBody && !buffer.empty() && !bodyFed) {
        bodyFed = true;
        continue;
      }
      if (started && !headerDeadline && !inBody) {
        headerDeadline = true;
        conn.expiresAt(headStart + cfg.headerTimeout);
      }
      auto room = buffer.prepare();
      if (room.empty()) co_return;  // cannot happen: the parser bounds the head
      auto n = co_await conn.readSome(room);
      if (!n) co_return;  // EOF, timeout, reset, or an idle connection during a stop
      buffer.commit(*n);
      if (!started) {
        started = true;
        headStart = Clock::now();
      }
    }

    const auto date = currentDate();
    if (parser.state() == codec::RequestParser::State::error) {
      // Framing is unknown after a refused request: answer and close.
      auto r = engine::errorResponse(codec::statusFor(parser.error()), date, cfg.site.server);
      r.head.headers.add("Connection", "close");
      auto sent = co_await sendResponse(conn, r, out, cfg.sendTimeout);
      logAccess(*st, conn, nullptr, r.status(), sent ? *sent : 0);
      co_return;
    }

    const auto& request = parser.request();
    std::optional<engine::ReverseRoute> forwardRoute;
    if (forwardProxy) {
      // Only absolute-form http:// targets; CONNECT tunnels are not supported yet.
      int refuse = 0;
      if (!allowed) {
        refuse = 403;
      } else if (request.method == "CONNECT") {
        refuse = 501;
      } else if (auto upstream = absoluteTarget(request.target)) {
        forwardRoute = engine::ReverseRoute{"", *upstream};
      } else {
        refuse = 400;
      }
      if (refuse) {
        auto r = engine::errorResponse(refuse, date, cfg.site.server);
        r.head.headers.add("Connection", "close");
        auto sent = co_await sendResponse(conn, r, out, cfg.sendTimeout);
        logAccess(*st, conn, &request, refuse, sent ? *sent : 0);
        co_return;
      }
    }
    if (const auto* route = forwardRoute ? &*forwardRoute : routeFor(cfg, request)) {
      if (!out.empty() && !co_await flush(conn, out, cfg.sendTimeout)) co_return;
      bool clientKeepAlive = request.keepAlive && !conn.stopping();
      auto result = co_await forwardRequest(
          conn, request, *route,
          ProxyTimeouts{.response = cfg.upstreamTimeout, .send = cfg.sendTimeout}, clientKeepAlive,
          forwardProxy, std::string(date), cfg.site.server);
      if (!result.sent) {
        if (!result.keepAlive) result.error.head.headers.add("Connection", "close");
        auto sent = co_await sendResponse(conn, result.error, out, cfg.sendTimeout);
        logAccess(*st, conn, &request, result.status, sent ? *sent : 0);
        if (!sent || !result.keepAlive) co_return;
      } else {
        logAccess(*st, conn, &request, result.status, result.bytes);
        if (!result.keepAlive) co_return;
      }
      first = false;
      continue;
    }
    auto response = st->site.handle(request, date, std::time(nullptr));
    bool keepAlive = request.keepAlive && !response.close && !conn.stopping();
    if (!keepAlive) {
      response.head.headers.add("Connection", "close");
    } else if (request.versionMinor == 0) {
      response.head.headers.add("Connection", "keep-alive");
    }
    // More pipelined bytes already here: hold this answer for the next one's write.
    const bool defer = keepAlive && !buffer.empty();
    auto sent = co_await sendResponse(conn, response, out, cfg.sendTimeout, defer);
    logAccess(*st, conn, &request, response.status(), sent ? *sent : 0);
    if (!sent || !keepAlive) co_return;
    first = false;
  }
}

}  // namespace wk::http::io
