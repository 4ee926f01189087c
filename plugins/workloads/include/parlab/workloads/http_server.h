// The http.get workload's own HTTP/1.1 server (Boost.Beast on a Boost.Asio io_context run by
// one background thread). GET /task/<i> is answered after `delay_ms` — every request on its own
// asynchronous timer, so 100 requests are delayed in parallel — with HttpBodyFor(path, bytes)
// and Connection: close. Any other path gets 404. Boost stays out of this header.
//
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<HttpServer> server,
//                           HttpServer::Start({.delay_ms = 50, .body_bytes = 64}));
//   std::string url = FormatHttpUrl("127.0.0.1", server->port(), HttpTaskPath(3));
//   // ... GET url: status 200, body HttpBodyFor("/task/3", 64)
//   server.reset();  // stops the thread and joins it
//
// fork(): a child of a process that runs this server inherits its sockets but not its thread;
// the child must not touch the server (it may make requests to it). The server closes each
// connection so that copies held by such children neither delay the client's end-of-response
// nor leave stale registrations in the server's epoll set.
#ifndef PARLAB_WORKLOADS_HTTP_SERVER_H_
#define PARLAB_WORKLOADS_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parlab::workloads {

// "/task/<index>": the path task `index` of http.get requests.
std::string HttpTaskPath(uint64_t index);

// The deterministic body served for `path`: "<path>;" repeated and cut to `bytes`, so that a
// body meant for another path (or cut short) never matches.
std::string HttpBodyFor(absl::string_view path, uint64_t bytes);

class HttpServer {
 public:
  struct Options {
    uint64_t delay_ms = 50;
    uint64_t body_bytes = 64;
  };

  // Listens on 127.0.0.1 at an ephemeral port and starts serving on a background thread.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpServer>> Start(Options options);

  ~HttpServer();  // stops serving and joins the thread; open connections are dropped
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;

  struct Impl;  // Boost lives in http_server.cc only

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_HTTP_SERVER_H_
