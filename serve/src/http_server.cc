// ServeHttp: Boost.Beast, synchronous, one connection at a time (a dashboard for a few people;
// each page is one store read). The accept loop polls every 20 ms to notice `stop`.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
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

void Answer(Dashboard& dashboard, tcp::socket& socket) {
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(30));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    beast::error_code error;
    http::read(stream, buffer, request, error);
    if (error) return;
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
    http::write(stream, response, error);
    if (error || !response.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
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
  while (!stopped()) {
    tcp::socket socket(io);
    acceptor.accept(socket, error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    if (error) continue;
    socket.non_blocking(false);
    Answer(dashboard, socket);
  }
  return absl::OkStatus();
}

}  // namespace parlab::serve
