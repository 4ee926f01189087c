// Where a workload may send network requests: the strict URL parser of http.get and the
// worker operator's allowance (`parlab-worker --allow-http HOST[:PORT],...`). A target of its own
// (parlab::http_url) with no kernel, Boost or GMP in it, so that the worker daemon, which never
// links the workload library, refuses a job before it spawns a runner; the runner and the
// coordinator apply the same checks (docs/robustness.md, "Workers cannot be turned against their
// network").
//
//   PARLAB_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl("http://127.0.0.1:8080/task/3"));
//   PARLAB_ASSIGN_OR_RETURN(HttpAllowList allow, HttpAllowList::Parse("loopback,10.0.0.5:80"));
//   if (!allow.Allows(url)) ...
//   PARLAB_RETURN_IF_ERROR(CheckWorkloadDestinations(job.workload(), allow));  // the whole spec
#ifndef PARLAB_WORKLOADS_HTTP_URL_H_
#define PARLAB_WORKLOADS_HTTP_URL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::workloads {

struct HttpUrl {
  std::string host;  // IPv4 literal, e.g. "127.0.0.1" ("localhost" is stored as 127.0.0.1)
  uint16_t port = 80;
  std::string path;  // starts with '/'; may carry a ?query
  std::string text;  // the whole URL, for messages
};

// What ParseHttpUrl accepts, for messages: "http://IPV4|localhost[:PORT][/PATH]".
inline constexpr char kHttpUrlForm[] = "http://IPV4-ADDRESS|localhost[:PORT][/PATH][?QUERY]";

// Accepts exactly "http://HOST[:PORT][/PATH][?QUERY]": the scheme `http` (any case), HOST an IPv4
// literal in dotted decimal or "localhost", PORT 1..65535 in digits, PATH and QUERY of printable
// ASCII without space, `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}` and with well-formed
// %XX escapes. Refused, each with its own reason: any control character (CR, LF, NUL, DEL...),
// space or non-ASCII byte anywhere; another scheme (https, file, gopher...); userinfo (`user@`);
// a fragment (`#`); an empty host, an IPv6 literal or a name (no DNS: a lookup blocks, which no
// task step may do). The error says what is wrong and quotes the value with control characters
// escaped (a CR never reaches a log raw), without naming a field: the caller knows the field.
[[nodiscard]] absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view text);

// Builds "http://host:port/path".
std::string FormatHttpUrl(absl::string_view host, uint16_t port, absl::string_view path);

// The hosts (and ports) a worker lets workloads reach. The default is loopback only
// (127.0.0.0/8, any port): http.get's own server, and whatever the operator runs on the worker
// itself. `--allow-http` replaces the default with exactly its entries; `loopback` names the
// default, so `--allow-http loopback,10.0.0.5:8080` adds one service.
class HttpAllowList {
 public:
  // Loopback only.
  HttpAllowList();

  // "ENTRY[,ENTRY...]" with ENTRY `loopback`, or IPV4 (any port), or IPV4:PORT. Errors name the
  // entry and the accepted form, not the flag (the caller adds it).
  [[nodiscard]] static absl::StatusOr<HttpAllowList> Parse(absl::string_view list);

  bool Allows(const HttpUrl& url) const;

  // The entries in canonical form ("loopback", "10.0.0.5", "10.0.0.5:8080"): what the worker
  // publishes in WorkerDescription.allow_http and hands its runners; Parse(ToString()) round-trips.
  const std::vector<std::string>& entries() const { return entries_; }
  std::string ToString() const;

 private:
  struct Rule {
    bool loopback = false;
    uint32_t address = 0;  // host byte order; unused when loopback
    std::optional<uint16_t> port;
  };
  std::vector<Rule> rules_;
  std::vector<std::string> entries_;
};

// The most requests a plan may send to a URL outside the runner (http.get with `url`), per
// worker, over all its jobs, warm-ups and repetitions (auto-repeat's max_repetitions counted):
// the coordinator checks the plan, the worker each job. The runner's own server is not capped
// by this (it is loopback and the runner's own).
inline constexpr uint64_t kMaxOutboundRequestsPerPlan = 100'000;

// The requests one repetition of `spec` sends to a URL outside the runner: http.get's
// `requests` when it has a `url`, else 0. Only the count; ValidateWorkloadSpec checks the rest.
uint64_t OutboundRequestsPerRepetition(const v1::WorkloadSpec& spec);

// OK unless `spec` names a network destination (http.get's `url`) that is malformed
// (ParseHttpUrl) or that `allow` does not allow. InvalidArgument naming the field, the value and
// what is allowed: `plan.workload.params.url: host 10.1.2.3:80 is not allowed by this worker
// (allowed: loopback; the worker's operator widens it with parlab-worker --allow-http HOST[:PORT]),
// got "http://10.1.2.3/"`. `where` is added after "this worker" when not empty (an address).
[[nodiscard]] absl::Status CheckWorkloadDestinations(const v1::WorkloadSpec& spec,
                                                     const HttpAllowList& allow,
                                                     absl::string_view where = "");

}  // namespace parlab::workloads

#endif  // PARLAB_WORKLOADS_HTTP_URL_H_
