// ServeHttp: Boost.Beast, synchronous reads and writes, a thread per connection (a dashboard for
// a few people; each page is one store read). The accept loop polls every 20 ms to notice
// `stopped`.
#include <poll.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <utility>  // first: Boost 1.74's Asio uses std::exchange without including <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "parlab/serve/dashboard.h"

namespace parlab::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr int kIdleMs = 5000;  // a connection silent this long is closed

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

absl::StatusOr<HostPort> SplitAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  uint32_t port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: must be HOST:PORT, got \"", address, "\""));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return HostPort{host, static_cast<uint16_t>(port)};
}

// Whether the peer sent something within `ms`: an idle connection (a browser's preconnect,
// a finished keep-alive) is closed rather than waited on for ever; Beast's own timeouts apply
// to asynchronous reads only.
bool Readable(tcp::socket& socket, int ms) {
  pollfd fd{.fd = socket.native_handle(), .events = POLLIN, .revents = 0};
  return ::poll(&fd, 1, ms) > 0;
}

void Answer(Dashboard& dashboard, tcp::socket socket) {
  beast::flat_buffer buffer;
  for (;;) {
    if (buffer.size() == 0 && !Readable(socket, kIdleMs)) break;
    http::request<http::string_body> request;
    beast::error_code error;
    http::read(socket, buffer, request, error);
    if (error) break;
    HttpResponse page;
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      page = {405, "text/plain; charset=utf-8", "only GET\n"};
    } else {
      page = dashboard.Handle(std::string(request.target()));
    }
    http::response<http::string_body> response{static_cast<http::status>(page.status),
                                               request.version()};
    response.set(http::field::server, "parlab-serve");
    response.set(http::field::content_type, page.content_type);
    response.set(http::field::cache_control, "no-store");
    response.keep_alive(request.keep_alive());
    if (request.method() != http::verb::head) response.body() = std::move(page.body);
    response.prepare_payload();
    http::write(socket, response, error);
    if (error || !response.keep_alive()) break;
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

absl::Status CheckListenAddress(const std::string& address) {
  absl::StatusOr<HostPort> split = SplitAddress(address);
  if (!split.ok()) return split.status();
  if (split->host == "localhost") return absl::OkStatus();
  beast::error_code error;
  asio::ip::address ip = asio::ip::make_address(split->host, error);
  if (error || !ip.is_loopback()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen: must be a loopback address (127.0.0.1, ::1, localhost) until the dashboard "
        "has TLS and tokens, got \"",
        address, "\""));
  }
  return absl::OkStatus();
}

absl::Status ServeHttp(Dashboard& dashboard, const std::string& address, std::ostream& log,
                       const std::function<bool()>& stopped) {
  if (absl::Status status = CheckListenAddress(address); !status.ok()) return status;
  HostPort where = *SplitAddress(address);
  if (where.host == "localhost") where.host = "127.0.0.1";
  asio::io_context io;
  tcp::acceptor acceptor(io);
  beast::error_code error;
  tcp::endpoint endpoint(asio::ip::make_address(where.host), where.port);
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("--listen ", address, ": cannot listen: ", error.message()));
  }
  const tcp::endpoint bound = acceptor.local_endpoint();
  const std::string shown = bound.address().is_v6()
                                ? absl::StrCat("[", bound.address().to_string(), "]:", bound.port())
                                : absl::StrCat(bound.address().to_string(), ":", bound.port());
  log << "parlab serve listening on " << shown << std::endl;
  acceptor.non_blocking(true);
  // A thread per connection: one open browser tab (keep-alive, preconnects) must not hold up
  // the next client. The Dashboard is thread-safe (the store serializes its reads).
  std::atomic<int> active{0};
  while (!stopped()) {
    tcp::socket socket(io);
    acceptor.accept(socket, error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (error) continue;
    socket.non_blocking(false);
    active.fetch_add(1);
    std::thread([&dashboard, &active, connection = std::move(socket)]() mutable {
      Answer(dashboard, std::move(connection));
      active.fetch_sub(1);
    }).detach();
  }
  // Connections end within kIdleMs of their last request: wait for them, not for ever.
  for (int waited = 0; active.load() > 0 && waited < 2 * kIdleMs; waited += 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::OkStatus();
}

}  // namespace parlab::serve
