// `parlab serve --store FILE --listen ADDR`: the dashboard over a result store. Dashboard maps
// a request target to a response (tests call it without a socket); ServeHttp answers HTTP on a
// loopback address with it until stopped.
//
//   PARLAB_ASSIGN_OR_RETURN(auto store, store::ResultStore::OpenReadOnly(path));
//   Dashboard dashboard(*store);
//   HttpResponse page = dashboard.Handle("/api/history?plan=cpu-sieve&machine=alpha");
//   PARLAB_RETURN_IF_ERROR(ServeHttp(dashboard, "127.0.0.1:7480", std::cout, [] { return false;
//   }));
//
// Pages: /  /run/ID  /compare?a=ID&b=ID  /history?plan=P&machine=HOST; JSON: the same under
// /api/ (/api/runs takes the list's filters plan, machine, from, to). docs/report.md.
#ifndef PARLAB_SERVE_DASHBOARD_H_
#define PARLAB_SERVE_DASHBOARD_H_

#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "parlab/store/store.h"

namespace parlab::serve {

inline constexpr char kDefaultListen[] = "127.0.0.1:7480";

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
};

class Dashboard {
 public:
  explicit Dashboard(store::ResultStore& store) : store_(store) {}
  // target: path and query, as in the request line ("/run/run-1?x=y").
  HttpResponse Handle(absl::string_view target);

 private:
  store::ResultStore& store_;
};

// Loopback only until the daemons' TLS and tokens reach the dashboard: "127.0.0.1:PORT",
// "localhost:PORT" or "[::1]:PORT". InvalidArgument names anything else.
[[nodiscard]] absl::Status CheckListenAddress(const std::string& address);

// Binds `address` (port 0: any free port), writes "parlab serve listening on HOST:PORT" to
// `log`, and answers GET requests (a thread per connection; one silent for 5 s is closed) until
// `stopped()` says so (polled every 20 ms).
[[nodiscard]] absl::Status ServeHttp(Dashboard& dashboard, const std::string& address,
                                     std::ostream& log, const std::function<bool()>& stopped);

}  // namespace parlab::serve

#endif  // PARLAB_SERVE_DASHBOARD_H_
