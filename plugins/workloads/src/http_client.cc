// The non-blocking GET state machine. Every system call here is non-blocking; the only place
// that blocks is Run()'s poll(), which is exactly what the stepping form hands to the model.
#include "parlab/workloads/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "parlab/common/clock.h"
#include "parlab/common/status_macros.h"

namespace parlab::workloads {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxResponseBytes = 64 * 1024 * 1024;  // a runaway server must not eat the RAM
constexpr uint64_t kNsPerMs = 1'000'000;

// The deadline arithmetic is unsigned, like the timeouts; CLOCK_MONOTONIC is never negative.
uint64_t NowNs() { return static_cast<uint64_t>(MonotonicNowNs()); }

bool WouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

}  // namespace

absl::Status VerifyHttpResponse(const HttpResponse& response,
                                const std::optional<std::string>& expected_body) {
  if (response.status != 200) {
    return absl::InternalError(absl::StrCat("status ", response.status, ", expected 200"));
  }
  if (!expected_body.has_value()) {
    if (response.body.empty()) return absl::InternalError("empty body, expected a non-empty one");
    return absl::OkStatus();
  }
  const std::string& expected = *expected_body;
  if (response.body.size() != expected.size()) {
    return absl::InternalError(
        absl::StrCat("body has ", response.body.size(), " bytes, expected ", expected.size()));
  }
  const auto [got, want] =
      std::mismatch(response.body.begin(), response.body.end(), expected.begin());
  if (got == response.body.end()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("body differs from the expected one at byte ", got - response.body.begin()));
}

HttpGet::HttpGet(HttpUrl url, uint64_t timeout_ns) : url_(std::move(url)), timeout_ns_(timeout_ns) {
  // Connection: close lets the server end the exchange; Content-Length lets us stop earlier.
  request_ = absl::StrCat("GET ", url_.path, " HTTP/1.1\r\nHost: ", url_.host, ":", url_.port,
                          "\r\nUser-Agent: parlab\r\nAccept: */*\r\nConnection: close\r\n\r\n");
}

HttpGet::~HttpGet() { CloseSocket(); }

void HttpGet::CloseSocket() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::Status HttpGet::Error(absl::string_view what) const {
  return absl::UnavailableError(absl::StrCat("GET ", url_.text, ": ", what));
}

absl::StatusOr<bool> HttpGet::Advance(parlab_wait_t& wait) {
  if (phase_ == Phase::kDone) return true;
  if (phase_ == Phase::kStart) {
    // ParseHttpUrl refuses these already; a URL built by hand must not slip a CR/LF onto the
    // request line either (header injection).
    for (char c : absl::StrCat(url_.host, url_.path)) {
      if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
        return Error("the URL holds a control character, space or non-ASCII byte; not sent");
      }
    }
    deadline_ns_ = NowNs() + timeout_ns_;
    PARLAB_RETURN_IF_ERROR(Connect());
  }
  for (;;) {
    bool finished = false;
    uint32_t wait_kind = PARLAB_WAIT_WRITABLE;
    const char* doing = "";
    switch (phase_) {
      case Phase::kConnecting: {
        PARLAB_ASSIGN_OR_RETURN(finished, FinishConnect());
        if (finished) phase_ = Phase::kSending;
        doing = "connecting";
        break;
      }
      case Phase::kSending: {
        PARLAB_ASSIGN_OR_RETURN(finished, Send());
        if (finished) phase_ = Phase::kReceiving;
        doing = "sending the request";
        break;
      }
      case Phase::kReceiving: {
        PARLAB_ASSIGN_OR_RETURN(finished, Receive());
        if (finished) {
          phase_ = Phase::kDone;
          CloseSocket();  // release the fd now, not when the caller drops us
          return true;
        }
        wait_kind = PARLAB_WAIT_READABLE;
        doing = "waiting for the response";
        break;
      }
      case Phase::kStart:
      case Phase::kDone:
        return Error("internal: unexpected phase");
    }
    if (finished) continue;  // the next phase may go on without waiting
    const uint64_t now = NowNs();
    if (now >= deadline_ns_) {
      return absl::DeadlineExceededError(absl::StrCat("GET ", url_.text,
                                                      ": no complete response within ",
                                                      timeout_ns_ / kNsPerMs, " ms (", doing, ")"));
    }
    wait.kind = wait_kind;
    wait.fd = fd_;
    wait.timeout_ns = deadline_ns_ - now;
    return false;
  }
}

absl::StatusOr<HttpResponse> HttpGet::Run() {
  parlab_wait_t wait{};
  for (;;) {
    PARLAB_ASSIGN_OR_RETURN(bool done, Advance(wait));
    if (done) return response_;
    pollfd pfd{wait.fd, static_cast<short>(wait.kind == PARLAB_WAIT_READABLE ? POLLIN : POLLOUT),
               0};
    const uint64_t ms = (wait.timeout_ns + kNsPerMs - 1) / kNsPerMs;  // round up: never spin
    if (poll(&pfd, 1, static_cast<int>(std::min<uint64_t>(ms, INT_MAX))) < 0 && errno != EINTR) {
      return Error(absl::StrCat("poll: ", std::strerror(errno)));
    }
    // Ready, timed out or interrupted: Advance() finds out which and re-checks the deadline.
  }
}

absl::Status HttpGet::Connect() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Error(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(url_.port);
  if (inet_pton(AF_INET, url_.host.c_str(), &addr.sin_addr) != 1) {
    return Error(absl::StrCat("not an IPv4 address: ", url_.host));
  }
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) {
    phase_ = Phase::kSending;  // loopback often connects at once
    return absl::OkStatus();
  }
  // EINTR: the connection still proceeds asynchronously, exactly as with EINPROGRESS.
  if (errno != EINPROGRESS && errno != EINTR) {
    return Error(absl::StrCat("connect: ", std::strerror(errno)));
  }
  phase_ = Phase::kConnecting;
  return absl::OkStatus();
}

absl::StatusOr<bool> HttpGet::FinishConnect() {
  // A zero-timeout poll tells a finished connect from a spurious wake-up (the model's timeout).
  pollfd pfd{fd_, POLLOUT, 0};
  const int ready = poll(&pfd, 1, 0);
  if (ready < 0 && errno != EINTR) return Error(absl::StrCat("poll: ", std::strerror(errno)));
  if (ready <= 0) return false;
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) return Error(absl::StrCat("connect: ", std::strerror(err)));
  return true;
}

absl::StatusOr<bool> HttpGet::Send() {
  while (sent_ < request_.size()) {
    const ssize_t n = send(fd_, request_.data() + sent_, request_.size() - sent_, MSG_NOSIGNAL);
    if (n >= 0) {
      sent_ += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (WouldBlock(errno)) return false;
    return Error(absl::StrCat("send: ", std::strerror(errno)));
  }
  return true;
}

absl::StatusOr<bool> HttpGet::Receive() {
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n > 0) {
      received_.append(buffer, static_cast<size_t>(n));
      if (received_.size() > kMaxResponseBytes) {
        return Error(absl::StrCat("response larger than ", kMaxResponseBytes, " bytes"));
      }
      PARLAB_ASSIGN_OR_RETURN(bool complete, Parse(/*eof=*/false));
      if (complete) return true;
      continue;
    }
    if (n == 0) return Parse(/*eof=*/true);  // complete, or an error saying what is missing
    if (errno == EINTR) continue;
    if (WouldBlock(errno)) return false;
    return Error(absl::StrCat("recv: ", std::strerror(errno)));
  }
}

absl::StatusOr<bool> HttpGet::Parse(bool eof) {
  if (header_end_ == std::string::npos) {
    const size_t blank = received_.find("\r\n\r\n");
    if (blank == std::string::npos) {
      if (received_.size() > kMaxHeaderBytes) {
        return Error(absl::StrCat("response headers longer than ", kMaxHeaderBytes, " bytes"));
      }
      if (eof) {
        return Error(
            absl::StrCat("the server closed the connection before the end of the "
                         "headers (",
                         received_.size(), " bytes received)"));
      }
      return false;
    }
    header_end_ = blank + 4;
    const std::vector<absl::string_view> lines =
        absl::StrSplit(absl::string_view(received_).substr(0, blank), "\r\n");
    // "HTTP/1.1 200 OK"
    const absl::string_view status_line = lines[0];
    if (!absl::StartsWith(status_line, "HTTP/1.") || status_line.size() < 12 ||
        status_line[8] != ' ' || !absl::SimpleAtoi(status_line.substr(9, 3), &response_.status)) {
      return Error(absl::StrCat("malformed status line \"", status_line, "\""));
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) continue;
      if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(lines[i].substr(0, colon)),
                                  "content-length")) {
        continue;
      }
      uint64_t length = 0;
      const absl::string_view value = absl::StripAsciiWhitespace(lines[i].substr(colon + 1));
      if (!absl::SimpleAtoi(value, &length)) {
        return Error(absl::StrCat("malformed Content-Length \"", value, "\""));
      }
      content_length_ = length;
    }
  }
  const size_t body_bytes = received_.size() - header_end_;
  if (content_length_.has_value()) {
    if (body_bytes > *content_length_) {
      return Error(absl::StrCat("received ", body_bytes, " body bytes, more than Content-Length ",
                                *content_length_));
    }
    if (body_bytes < *content_length_) {
      if (!eof) return false;
      return Error(absl::StrCat("the server closed the connection after ", body_bytes, " of ",
                                *content_length_, " body bytes"));
    }
  } else if (!eof) {
    return false;  // no length: the body ends when the server closes (Connection: close)
  }
  response_.body = received_.substr(header_end_);
  return true;
}

}  // namespace parlab::workloads
