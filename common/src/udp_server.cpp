#include "wk/udp_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include "wk/daemon.hpp"

namespace wk {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

constexpr std::size_t kSlot = 65536;  // the largest datagram, so nothing is cut

void enableReusePort(int fd) {
  int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    throw std::system_error(errno, std::generic_category(), "SO_REUSEPORT");
  }
}

std::shared_ptr<udp::socket> openSocket(asio::io_context& context, const udp::endpoint& ep,
                                        std::size_t receiveBuffer) {
  auto socket = std::make_shared<udp::socket>(context);
  socket->open(ep.protocol());
  if (ep.address().is_v6()) socket->set_option(asio::ip::v6_only(true));
  socket->set_option(asio::socket_base::reuse_address(true));
  enableReusePort(socket->native_handle());
  boost::system::error_code ignored;
  socket->set_option(asio::socket_base::receive_buffer_size(static_cast<int>(receiveBuffer)),
                     ignored);
  socket->non_blocking(true);
  boost::system::error_code ec;
  socket->bind(ep, ec);
  if (ec) {
    throw std::runtime_error("cannot bind udp " + formatEndpoint(ep) + ": " + ec.message());
  }
  return socket;
}

}  // namespace

// One socket on one thread: waits for readability, then drains the socket in batches with
// recvmmsg, runs the handler on each datagram and sends the replies with one sendmmsg.
struct UdpServer::Worker : std::enable_shared_from_this<UdpServer::Worker> {
  std::shared_ptr<udp::socket> socket;
  std::shared_ptr<UdpHandler> handler;  // shared by this thread's workers
  unsigned thread = 0;
  bool stopped = false;

  std::size_t batch;
  std::vector<std::uint8_t> rx;
  std::vector<std::uint8_t> tx;
  std::vector<mmsghdr> rxMsgs;
  std::vector<mmsghdr> txMsgs;
  std::vector<iovec> rxIov;
  std::vector<iovec> txIov;
  std::vector<sockaddr_storage> addrs;

  explicit Worker(std::size_t batchSize)
      : batch(batchSize),
        rx(batch * kSlot),
        tx(batch * kSlot),
        rxMsgs(batch),
        txMsgs(batch),
        rxIov(batch),
        txIov(batch),
        addrs(batch) {}

  void arm() {
    socket->async_wait(udp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& ec) {
                         if (ec || self->stopped) return;
                         self->drain();
                         self->arm();
                       });
  }

  void drain() {
    int fd = socket->native_handle();
    // A bounded number of rounds keeps one busy socket from starving this thread's others.
    for (int round = 0; round < 8; ++round) {
      for (std::size_t i = 0; i < batch; ++i) {
        rxIov[i] = {rx.data() + i * kSlot, kSlot};
        rxMsgs[i].msg_hdr = {};
        rxMsgs[i].msg_hdr.msg_name = &addrs[i];
        rxMsgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        rxMsgs[i].msg_hdr.msg_iov = &rxIov[i];
        rxMsgs[i].msg_hdr.msg_iovlen = 1;
      }
      int n = ::recvmmsg(fd, rxMsgs.data(), static_cast<unsigned>(batch), MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      unsigned out = 0;
      for (int i = 0; i < n; ++i) {
        udp::endpoint from;
        std::memcpy(from.data(), &addrs[i], rxMsgs[i].msg_hdr.msg_namelen);
        from.resize(rxMsgs[i].msg_hdr.msg_namelen);
        UdpPacket packet{{rx.data() + i * kSlot, rxMsgs[i].msg_len}, from, thread, socket};
        std::size_t length = 0;
        try {
          length = (*handler)(packet, {tx.data() + out * kSlot, kSlot});
        } catch (const std::exception& e) {
          spdlog::error("udp handler failed for {}: {}", formatEndpoint(from), e.what());
        }
        if (length == 0) continue;
        txIov[out] = {tx.data() + out * kSlot, std::min(length, kSlot)};
        txMsgs[out].msg_hdr = {};
        txMsgs[out].msg_hdr.msg_name = &addrs[i];
        txMsgs[out].msg_hdr.msg_namelen = rxMsgs[i].msg_hdr.msg_namelen;
        txMsgs[out].msg_hdr.msg_iov = &txIov[out];
        txMsgs[out].msg_hdr.msg_iovlen = 1;
        ++out;
      }
      for (unsigned sent = 0; sent < out;) {
        int r = ::sendmmsg(fd, txMsgs.data() + sent, out - sent, MSG_DONTWAIT);
        if (r <= 0) {
          if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
            ++sent;  // skip the bad one
          else
            break;  // socket buffer full: UDP may drop
        } else {
          sent += static_cast<unsigned>(r);
        }
      }
      if (static_cast<std::size_t>(n) < batch) return;
    }
  }
};

UdpServer::UdpServer(Runtime& runtime, UdpOptions options, UdpHandlerFactory factory)
    : runtime_(runtime), options_(std::move(options)), factory_(std::move(factory)) {}

UdpServer::~UdpServer() {
  for (auto& w : workers_) {
    boost::system::error_code ignored;
    w->socket->close(ignored);
  }
}

void UdpServer::start() {
  std::vector<std::shared_ptr<UdpHandler>> handlers;
  for (unsigned t = 0; t < runtime_.threadCount(); ++t) {
    handlers.push_back(std::make_shared<UdpHandler>(factory_(t)));
  }
  for (const auto& configured : options_.endpoints) {
    udp::endpoint ep = configured.udp();
    for (unsigned t = 0; t < runtime_.threadCount(); ++t) {
      auto worker = std::make_shared<Worker>(std::max<std::size_t>(1, options_.batch));
      worker->socket = openSocket(runtime_.context(t), ep, options_.receiveBuffer);
      worker->handler = handlers[t];
      worker->thread = t;
      // Port 0: the first socket picks the port; the other threads join it.
      if (t == 0) ep = worker->socket->local_endpoint();
      workers_.push_back(worker);
    }
    bound_.push_back(ep);
    logListening("udp", formatEndpoint(ep));
  }
  for (auto& w : workers_) {
    asio::post(w->socket->get_executor(), [w] { w->arm(); });
  }
  runtime_.onStop([this] { stop(); });
}

void UdpServer::stop() {
  for (auto& w : workers_) {
    asio::post(w->socket->get_executor(), [w] {
      w->stopped = true;
      boost::system::error_code ignored;
      w->socket->cancel(ignored);
    });
  }
}

std::vector<udp::endpoint> UdpServer::localEndpoints() const {
  return bound_;
}

void sendTo(udp::socket& socket, std::span<const std::uint8_t> data, const udp::endpoint& to) {
  boost::system::error_code ignored;
  socket.send_to(asio::buffer(data.data(), data.size()), to, 0, ignored);
}

}  // namespace wk
