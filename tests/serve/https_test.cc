// `parlab serve` beyond loopback: the daemons' bind policy (a non-loopback address needs HTTPS
// and tokens, or --insecure with a warning), and a dashboard served over HTTPS with tokens: no
// token or an unknown one is 401 (with the Basic prompt a browser shows), a worker-role token
// 403, a submit token by Bearer or as the Basic password 200, and plain HTTP gets no page.
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <streambuf>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/security/net_security.h"
#include "parlab/serve/dashboard.h"
#include "parlab/store/store.h"
#include "support/lab_certs.h"

namespace parlab::serve {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;

constexpr char kReader[] = "0123456789abcdef0123456789abcdef";
constexpr char kNode[] = "fedcba9876543210fedcba9876543210";

TEST(ServeSecurityTest, ANonLoopbackAddressNeedsTlsAndTokensOrInsecure) {
  absl::StatusOr<test_support::LabCerts> certs = test_support::LabCerts::Make({"127.0.0.1"});
  ASSERT_TRUE(certs.ok()) << certs.status();
  const std::string tokens = certs->WriteFile("tokens", absl::StrCat("reader submit ", kReader));

  security::DaemonSecurityFlags none;
  for (const char* loopback : {"127.0.0.1:7480", "[::1]:0", "localhost:1"}) {
    absl::StatusOr<std::unique_ptr<security::ServerSecurity>> open = ServeSecurity(loopback, none);
    ASSERT_TRUE(open.ok()) << loopback << ": " << open.status();
    EXPECT_EQ(InsecureWarning(**open, loopback), "") << loopback;
  }
  for (const char* network : {"0.0.0.0:7480", "10.1.2.3:80", "[::]:7480"}) {
    absl::StatusOr<std::unique_ptr<security::ServerSecurity>> refused =
        ServeSecurity(network, none);
    ASSERT_FALSE(refused.ok()) << network;
    EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
    EXPECT_THAT(std::string(refused.status().message()),
                HasSubstr("a non-loopback address needs TLS and a token; add "
                          "--tls-cert/--tls-key FILE and --tokens FILE"))
        << network;
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr("--insecure")) << network;
  }
  security::DaemonSecurityFlags tls_only;
  tls_only.tls_cert = certs->Cert("127.0.0.1");
  tls_only.tls_key = certs->Key("127.0.0.1");
  absl::StatusOr<std::unique_ptr<security::ServerSecurity>> no_tokens =
      ServeSecurity("0.0.0.0:7480", tls_only);
  ASSERT_FALSE(no_tokens.ok());
  EXPECT_THAT(std::string(no_tokens.status().message()), HasSubstr("add --tokens FILE"));

  security::DaemonSecurityFlags insecure;
  insecure.insecure = true;
  absl::StatusOr<std::unique_ptr<security::ServerSecurity>> allowed =
      ServeSecurity("0.0.0.0:7480", insecure);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_THAT(InsecureWarning(**allowed, "0.0.0.0:7480"),
              HasSubstr("parlab serve: WARNING: --insecure: serving 0.0.0.0:7480 without TLS or "
                        "tokens"));

  security::DaemonSecurityFlags secured = tls_only;
  secured.tokens = tokens;
  absl::StatusOr<std::unique_ptr<security::ServerSecurity>> ok =
      ServeSecurity("0.0.0.0:7480", secured);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(InsecureWarning(**ok, "0.0.0.0:7480"), "");

  EXPECT_THAT(std::string(ServeSecurity("example.com:80", insecure).status().message()),
              HasSubstr("must be an IP address or localhost"));
  security::DaemonSecurityFlags client_auth = secured;
  client_auth.tls_client_auth = true;
  EXPECT_FALSE(ServeSecurity("127.0.0.1:0", client_auth).ok());
}

// A std::ostream target that a test thread may read while the server thread writes.
class LockedLog : public std::streambuf {
 public:
  std::string text() {
    absl::MutexLock lock(&mutex_);
    return text_;
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    absl::MutexLock lock(&mutex_);
    text_.push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    absl::MutexLock lock(&mutex_);
    text_.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  absl::Mutex mutex_;
  std::string text_;
};

class HttpsServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<test_support::LabCerts> certs = test_support::LabCerts::Make({"127.0.0.1"});
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    security::DaemonSecurityFlags flags;
    flags.tls_cert = certs_.Cert("127.0.0.1");
    flags.tls_key = certs_.Key("127.0.0.1");
    flags.tokens = certs_.WriteFile(
        "tokens", absl::StrCat("reader submit ", kReader, "\nnode1 worker ", kNode, "\n"));
    absl::StatusOr<std::unique_ptr<security::ServerSecurity>> security =
        ServeSecurity("127.0.0.1:0", flags);
    ASSERT_TRUE(security.ok()) << security.status();
    security_ = *std::move(security);
    const std::string path = certs_.dir() + "/runs.db";
    ASSERT_TRUE(store::ResultStore::Open(path).ok());
    absl::StatusOr<std::unique_ptr<store::ResultStore>> store =
        store::ResultStore::OpenReadOnly(path);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    dashboard_ = std::make_unique<Dashboard>(*store_);
    server_ = std::thread([this] {
      std::ostream log(&log_);
      served_ =
          ServeHttp(*dashboard_, "127.0.0.1:0", *security_, log, [this] { return stop_.load(); });
    });
    const std::string prefix = "parlab serve listening on 127.0.0.1:";
    for (absl::Time until = absl::Now() + absl::Seconds(30); absl::Now() < until;) {
      const std::string text = log_.text();
      if (const size_t at = text.find(prefix); at != std::string::npos && text.back() == '\n') {
        port_ = text.substr(at + prefix.size(), text.size() - at - prefix.size() - 1);
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_FALSE(port_.empty()) << log_.text();
  }

  void TearDown() override {
    stop_ = true;
    if (server_.joinable()) server_.join();
    EXPECT_TRUE(served_.ok()) << served_;
  }

  // GET /api/runs over HTTPS, verifying the server against the lab CA: the status, or -1 when
  // no response came.
  int Get(const std::string& authorization, std::string* body = nullptr) {
    asio::io_context io;
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.load_verify_file(certs_.ca());
    context.set_verify_mode(asio::ssl::verify_peer);
    asio::ssl::stream<tcp::socket> stream(io, context);
    beast::error_code error;
    stream.next_layer().connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(std::stoi(port_))),
        error);
    if (!error) stream.handshake(asio::ssl::stream_base::client, error);
    if (error) return -1;
    http::request<http::empty_body> request{http::verb::get, "/api/runs", 11};
    request.set(http::field::host, "127.0.0.1");
    if (!authorization.empty()) request.set(http::field::authorization, authorization);
    http::write(stream, request, error);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!error) http::read(stream, buffer, response, error);
    if (error) return -1;
    www_authenticate_ = std::string(response[http::field::www_authenticate]);
    if (body != nullptr) *body = response.body();
    return response.result_int();
  }

  test_support::LabCerts certs_;
  std::unique_ptr<security::ServerSecurity> security_;
  std::unique_ptr<store::ResultStore> store_;
  std::unique_ptr<Dashboard> dashboard_;
  LockedLog log_;
  std::atomic<bool> stop_{false};
  absl::Status served_;
  std::thread server_;
  std::string port_;
  std::string www_authenticate_;
};

TEST_F(HttpsServeTest, OnlyAValidTokenOfAReadingRoleGetsAPage) {
  std::string body;
  EXPECT_EQ(Get("", &body), 401);
  EXPECT_THAT(body, HasSubstr("a token is needed"));
  EXPECT_THAT(www_authenticate_, HasSubstr("Basic realm=\"parlab\""));
  EXPECT_EQ(Get("Bearer not-a-token-at-all-0000000", &body), 401);
  EXPECT_THAT(body, HasSubstr("unknown token"));
  EXPECT_EQ(Get(absl::StrCat("Bearer ", kNode), &body), 403);
  EXPECT_THAT(body, HasSubstr("token \"node1\" has role worker"));
  EXPECT_EQ(Get(absl::StrCat("Bearer ", kReader), &body), 200);
  EXPECT_EQ(body.substr(0, 1), "[");  // the run list (empty store)
  // What a browser sends after the prompt: any user name, the secret as the password.
  EXPECT_EQ(Get(absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat("me:", kReader)))), 200);
  EXPECT_EQ(Get(absl::StrCat("Basic ", absl::Base64Escape("me:wrong-secret-0000000000"))), 401);
}

TEST_F(HttpsServeTest, PlainHttpGetsNoPage) {
  asio::io_context io;
  tcp::socket socket(io);
  beast::error_code error;
  socket.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(std::stoi(port_))),
      error);
  ASSERT_FALSE(error) << error.message();
  http::request<http::empty_body> request{http::verb::get, "/api/runs", 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, absl::StrCat("Bearer ", kReader));
  http::write(socket, request, error);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!error) http::read(socket, buffer, response, error);
  EXPECT_TRUE(error || response.result_int() != 200) << response.body();
  EXPECT_THAT(response.body(), ::testing::Not(HasSubstr("[")));
}

}  // namespace
}  // namespace parlab::serve
