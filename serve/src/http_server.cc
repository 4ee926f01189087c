// ServeHttp: Boost.Beast, synchronous reads and writes, a thread per connection (a dashboard for
// a few people; each page is one store read). The accept loop polls every 20 ms to notice
// `stopped`. HTTPS is Asio's OpenSSL stream (the OpenSSL gRPC links); tokens are the daemons'
// (security/net_security.h), so one --tokens file serves both.
#include <openssl/ssl.h>
#include <poll.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <utility>  // first: Boost 1.74's Asio uses std::exchange without including <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
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
bool Readable(int fd, int ms) {
  pollfd what{.fd = fd, .events = POLLIN, .revents = 0};
  return ::poll(&what, 1, ms) > 0;
}

// The refusal of a request that lacks a valid token, or nullopt when it may be answered. The
// token comes as `Authorization: Bearer SECRET` (curl -H) or Basic with the secret as the
// password (what a browser sends after the 401's prompt; the user name is ignored).
std::optional<HttpResponse> Refusal(const security::ServerSecurity& security,
                                    absl::string_view authorization) {
  if (!security.tokens_required()) return std::nullopt;
  std::string secret;
  if (absl::StartsWith(authorization, "Bearer ")) {
    secret = std::string(absl::StripAsciiWhitespace(authorization.substr(7)));
  } else if (absl::StartsWith(authorization, "Basic ")) {
    std::string decoded;
    if (absl::Base64Unescape(absl::StripAsciiWhitespace(authorization.substr(6)), &decoded)) {
      const size_t colon = decoded.find(':');
      if (colon != std::string::npos) secret = decoded.substr(colon + 1);
    }
  }
  const security::Token* token = secret.empty() ? nullptr : security.FindToken(secret);
  if (token == nullptr) {
    return HttpResponse{401, "text/plain; charset=utf-8",
                        authorization.empty()
                            ? "parlab serve: a token is needed (role submit or admin): "
                              "`Authorization: Bearer SECRET`, or the secret as the password\n"
                            : "parlab serve: unknown token (expected one of --tokens, role "
                              "submit or admin)\n"};
  }
  if (!security::RoleAllows(token->role, security::Role::kSubmit)) {
    return HttpResponse{
        403, "text/plain; charset=utf-8",
        absl::StrCat("parlab serve: reading results needs role submit (or admin); "
                     "token \"",
                     token->name, "\" has role ", security::RoleName(token->role), "\n")};
  }
  return std::nullopt;
}

// Answers the requests of one connection. `pending`: whether bytes already read from the socket
// wait in a layer above it (TLS records), so that not seeing the socket readable is not idleness.
template <typename Stream>
void Answer(Dashboard& dashboard, const security::ServerSecurity& security, Stream& stream, int fd,
            const std::function<bool()>& pending) {
  beast::flat_buffer buffer;
  for (;;) {
    if (buffer.size() == 0 && !pending() && !Readable(fd, kIdleMs)) break;
    http::request<http::string_body> request;
    beast::error_code error;
    http::read(stream, buffer, request, error);
    if (error) break;
    HttpResponse page;
    if (std::optional<HttpResponse> refusal =
            Refusal(security, std::string(request[http::field::authorization]))) {
      page = *std::move(refusal);
    } else if (request.method() != http::verb::get && request.method() != http::verb::head) {
      page = {405, "text/plain; charset=utf-8", "only GET\n"};
    } else {
      page = dashboard.Handle(std::string(request.target()));
    }
    http::response<http::string_body> response{static_cast<http::status>(page.status),
                                               request.version()};
    response.set(http::field::server, "parlab-serve");
    response.set(http::field::content_type, page.content_type);
    response.set(http::field::cache_control, "no-store");
    if (page.status == 401) {
      response.set(http::field::www_authenticate, "Basic realm=\"parlab\", charset=\"UTF-8\"");
    }
    response.keep_alive(request.keep_alive());
    if (request.method() != http::verb::head) response.body() = std::move(page.body);
    response.prepare_payload();
    http::write(stream, response, error);
    if (error || !response.keep_alive()) break;
  }
}

// One connection, from accept to close: the TLS handshake first with `tls` (a client silent for
// kIdleMs before it is closed), then the requests.
void Connection(Dashboard& dashboard, const security::ServerSecurity& security,
                asio::ssl::context* tls, tcp::socket socket) {
  const int fd = socket.native_handle();
  beast::error_code ignored;
  if (tls == nullptr) {
    Answer(dashboard, security, socket, fd, [] { return false; });
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  if (!Readable(fd, kIdleMs)) return;
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls);
  beast::error_code error;
  stream.handshake(asio::ssl::stream_base::server, error);
  if (!error) {
    Answer(dashboard, security, stream, fd,
           [&stream] { return SSL_pending(stream.native_handle()) > 0; });
  }
  // No close_notify exchange (it would wait on the peer): every response carries its length.
  stream.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

absl::Status CheckListenAddress(const std::string& address) {
  absl::StatusOr<HostPort> split = SplitAddress(address);
  if (!split.ok()) return split.status();
  if (split->host == "localhost") return absl::OkStatus();
  beast::error_code error;
  asio::ip::make_address(split->host, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen: the host must be an IP address or localhost (0.0.0.0: every interface), got \"",
        address, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<security::ServerSecurity>> ServeSecurity(
    const std::string& address, const security::DaemonSecurityFlags& flags) {
  if (absl::Status status = CheckListenAddress(address); !status.ok()) return status;
  if (flags.tls_client_auth || !flags.tls_ca.empty() || !flags.token_file.empty() ||
      !flags.tls_server_name.empty()) {
    return absl::InvalidArgumentError(
        "parlab serve: only --tls-cert, --tls-key, --tokens and --insecure apply to the dashboard");
  }
  return security::ServerSecurity::Create(flags, address, "parlab serve");
}

std::string InsecureWarning(const security::ServerSecurity& security, const std::string& address) {
  if (security.warning().empty()) return "";
  return absl::StrCat(
      "parlab serve: WARNING: --insecure: serving ", address, " without ",
      security.tls() ? "tokens" : (security.tokens_required() ? "TLS" : "TLS or tokens"),
      ": anyone who reaches this port ",
      security.tokens_required() ? "can read the tokens sent to it and " : "",
      "reads every stored result and machine description (docs/security.md)");
}

absl::Status ServeHttp(Dashboard& dashboard, const std::string& address, std::ostream& log,
                       const std::function<bool()>& stopped) {
  std::unique_ptr<security::ServerSecurity> open = security::ServerSecurity::Open();
  return ServeHttp(dashboard, address, *open, log, stopped);
}

absl::Status ServeHttp(Dashboard& dashboard, const std::string& address,
                       const security::ServerSecurity& security, std::ostream& log,
                       const std::function<bool()>& stopped) {
  if (absl::Status status = CheckListenAddress(address); !status.ok()) return status;
  std::optional<asio::ssl::context> tls;
  if (security.tls()) {
    tls.emplace(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    beast::error_code error;
    tls->use_certificate_chain(asio::buffer(security.cert_pem()), error);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls-cert: not a usable certificate: ", error.message()));
    }
    tls->use_private_key(asio::buffer(security.key_pem()), asio::ssl::context::pem, error);
    if (error) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls-key: not the private key of --tls-cert (PEM): ", error.message()));
    }
  }
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
  asio::ssl::context* context = tls.has_value() ? &*tls : nullptr;
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
    std::thread([&dashboard, &security, &active, context,
                 connection = std::move(socket)]() mutable {
      Connection(dashboard, security, context, std::move(connection));
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
