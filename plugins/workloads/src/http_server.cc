// The http.get server: one io_context, one thread, callbacks only (no coroutines needed).
// clang-format off
#include <utility>  // first: Boost 1.74's Asio uses std::exchange without including <utility>
// clang-format on
#include "parlab/workloads/http_server.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace parlab::workloads {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr absl::string_view kTaskPrefix = "/task/";

bool IsTaskPath(absl::string_view path) {
  if (!absl::StartsWith(path, kTaskPrefix) || path.size() == kTaskPrefix.size()) return false;
  for (char c : path.substr(kTaskPrefix.size())) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// One connection: read a request, wait `delay_ms` on its own timer, answer, close. It keeps
// itself alive through the handlers it has pending.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Options& options)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), options_(options) {}
  ~Session() { Close(); }

  void Start() {
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->Delay();
                     });
  }

 private:
  void Delay() {
    timer_.expires_after(std::chrono::milliseconds(options_.delay_ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Respond();
    });
  }

  void Respond() {
    const std::string path(request_.target());
    response_.version(11);
    response_.keep_alive(false);
    response_.set(http::field::server, "parlab");
    response_.set(http::field::content_type, "text/plain");
    if (request_.method() != http::verb::get) {
      response_.result(http::status::method_not_allowed);
      response_.body() = "only GET is served\n";
    } else if (!IsTaskPath(path)) {
      response_.result(http::status::not_found);
      response_.body() = "not found: paths are /task/<index>\n";
    } else {
      response_.result(http::status::ok);
      response_.body() = HttpBodyFor(path, options_.body_bytes);
    }
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code, size_t) { self->Close(); });
  }

  void Close() {
    if (!socket_.is_open()) return;
    boost::system::error_code ignored;
    // shutdown() ends the connection even while a forked child still holds a copy of the fd
    // (a bare close() would not send FIN until every copy is closed).
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    // release() removes the fd from the epoll set before we close it; Asio's own close()
    // skips that, relying on close() to drop it — which a child's copy would prevent, leaving
    // a stale registration behind.
    const int fd = socket_.release(ignored);
    if (fd >= 0) ::close(fd);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  const HttpServer::Options& options_;  // owned by the server, which outlives its sessions
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

struct HttpServer::Impl {
  Options options;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  uint16_t port = 0;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        std::make_shared<Session>(std::move(socket), options)->Start();
        Accept();
        return;
      }
      // Out of fds and the like: back off instead of spinning, then try again.
      retry.expires_after(std::chrono::milliseconds(10));
      retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) Accept();
      });
    });
  }

  void Serve() {
    for (;;) {
      try {
        io.run();  // returns only when stopped
        return;
      } catch (const std::exception&) {
        // A handler threw (e.g. bad_alloc for a body): that connection is lost, serving goes on.
      }
    }
  }
};

std::string HttpTaskPath(uint64_t index) { return absl::StrCat(kTaskPrefix, index); }

std::string HttpBodyFor(absl::string_view path, uint64_t bytes) {
  const std::string unit = absl::StrCat(path, ";");
  std::string body;
  body.reserve(bytes);
  while (body.size() < bytes) {
    body.append(unit, 0, std::min<uint64_t>(unit.size(), bytes - body.size()));
  }
  return body;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Options options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  try {
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
    impl->acceptor.open(endpoint.protocol());
    impl->acceptor.bind(endpoint);
    impl->acceptor.listen(asio::socket_base::max_listen_connections);
    impl->port = impl->acceptor.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("http.get server: cannot listen on 127.0.0.1: ", e.what()));
  }
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Serve(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace parlab::workloads
