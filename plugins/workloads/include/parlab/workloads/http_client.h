// The http.get workload's client: one HTTP/1.1 GET over a plain non-blocking socket, written
// as a state machine (connect -> send -> receive) so that the same code runs blocking (Run():
// poll() on the fd) and stepped (Advance(): the caller waits on the fd it names — a coroutine
// model suspends instead of blocking its thread). No DNS: hosts are IPv4 literals or
// "localhost", so no step ever blocks on a resolver. URLs come from ParseHttpUrl (http_url.h),
// which refuses every byte that could break the request line.
//
//   PARLAB_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl("http://127.0.0.1:8080/task/3"));
//   HttpGet get(url, /*timeout_ns=*/10'000'000'000);
//   PARLAB_ASSIGN_OR_RETURN(HttpResponse response, get.Run());   // blocking form
//   PARLAB_RETURN_IF_ERROR(VerifyHttpResponse(response, expected_body));
//
//   parlab_wait_t wait{};                                         // stepping form
//   PARLAB_ASSIGN_OR_RETURN(bool done, get.Advance(wait));        // false: wait on wait.fd
#ifndef PARLAB_WORKLOADS_HTTP_CLIENT_H_
#define PARLAB_WORKLOADS_HTTP_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/model_abi.h"
#include "parlab/workloads/http_url.h"

namespace parlab::workloads {

// HttpUrl, ParseHttpUrl and FormatHttpUrl live in http_url.h (the worker checks URLs too).

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Status 200, and the body equal to `expected_body` when given (else any non-empty body).
// Errors say what differs: "status 404, expected 200", "body differs at byte 12 ...".
[[nodiscard]] absl::Status VerifyHttpResponse(const HttpResponse& response,
                                              const std::optional<std::string>& expected_body);

// One GET. Not thread-safe; one thread drives it at a time. Owns its socket: the destructor
// closes it, so an abandoned request (a failed or cancelled job) leaks nothing.
class HttpGet {
 public:
  // The whole request (connect to last byte) must finish within `timeout_ns` of the first
  // Advance(); the clock starts there, not here.
  HttpGet(HttpUrl url, uint64_t timeout_ns);
  ~HttpGet();
  HttpGet(const HttpGet&) = delete;
  HttpGet& operator=(const HttpGet&) = delete;

  // Does all the work possible without blocking. Returns true once the response is complete
  // (see response()), or false with `wait` set to READABLE/WRITABLE on the socket and a
  // timeout (the time left). Errors start with "GET <url>: ".
  [[nodiscard]] absl::StatusOr<bool> Advance(parlab_wait_t& wait);

  // Blocking form: Advance() driven by poll() on the socket.
  [[nodiscard]] absl::StatusOr<HttpResponse> Run();

  const HttpResponse& response() const { return response_; }

 private:
  enum class Phase { kStart, kConnecting, kSending, kReceiving, kDone };

  absl::Status Connect();
  // Each returns true when its phase completed, false when the socket would block.
  absl::StatusOr<bool> FinishConnect();
  absl::StatusOr<bool> Send();
  absl::StatusOr<bool> Receive();
  // Parses what arrived so far; true once a complete response is in (eof: the server closed).
  absl::StatusOr<bool> Parse(bool eof);
  absl::Status Error(absl::string_view what) const;
  void CloseSocket();

  HttpUrl url_;
  uint64_t timeout_ns_;
  uint64_t deadline_ns_ = 0;
  Phase phase_ = Phase::kStart;
  int fd_ = -1;
  std::string request_;
  size_t sent_ = 0;
  std::string received_;
  size_t header_end_ = std::string::npos;  // index of the body's first byte once known
  std::optional<uint64_t> content_length_;
  HttpResponse response_;
};

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_HTTP_CLIENT_H_
