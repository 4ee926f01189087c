// `parlab serve --store FILE --listen ADDR`: the dashboard over a result store. Dashboard maps
// a request target to a response (tests call it without a socket); ServeHttp answers HTTP on a
// loopback address with it until stopped, or HTTPS with tokens on any address (ServeSecurity:
// the daemons' bind policy).
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
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "parlab/security/net_security.h"
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

// "HOST:PORT" with HOST an IP address (IPv6 in brackets) or localhost; InvalidArgument names
// anything else. Which addresses may be served is ServeSecurity's question.
[[nodiscard]] absl::Status CheckListenAddress(const std::string& address);

// The daemons' bind policy (security/net_security.h, docs/security.md) for the dashboard: a
// loopback address is served as it is; any other needs `flags.tls_cert`/`tls_key` (HTTPS) and
// `flags.tokens` (each request must carry `Authorization: Bearer SECRET`, or Basic with the
// secret as the password, of a token with role submit or admin), or `flags.insecure` (then
// InsecureWarning() is printed at every start). Loads the files; InvalidArgument (exit 2) names
// the flag to add or the file that failed. Only --tls-cert, --tls-key, --tokens and --insecure
// apply (no client certificates).
[[nodiscard]] absl::StatusOr<std::unique_ptr<security::ServerSecurity>> ServeSecurity(
    const std::string& address, const security::DaemonSecurityFlags& flags);
// "parlab serve: WARNING: ..." for an --insecure start, or "".
std::string InsecureWarning(const security::ServerSecurity& security, const std::string& address);

// Binds `address` (port 0: any free port), writes "parlab serve listening on HOST:PORT" to
// `log`, and answers GET requests (a thread per connection; one silent for 5 s is closed) until
// `stopped()` says so (polled every 20 ms). With `security` TLS, over HTTPS; with its tokens,
// a request without a valid token is answered 401 (403 for a token of the worker role) and
// never reaches the dashboard. The overload without `security` serves plain HTTP to anyone.
[[nodiscard]] absl::Status ServeHttp(Dashboard& dashboard, const std::string& address,
                                     const security::ServerSecurity& security, std::ostream& log,
                                     const std::function<bool()>& stopped);
[[nodiscard]] absl::Status ServeHttp(Dashboard& dashboard, const std::string& address,
                                     std::ostream& log, const std::function<bool()>& stopped);

}  // namespace parlab::serve

#endif  // PARLAB_SERVE_DASHBOARD_H_
