// http.get: task i GETs /task/i from the run's own HTTP server (started in Prepare(), untimed)
// and checks status 200 and the exact body for that path; with `url`, every task GETs that URL
// and checks status 200 and a non-empty body. Blocking form: poll() on the socket. Stepping
// form: the task hands the socket to the model (PARLAB_WAIT_READABLE/WRITABLE), so a coroutine
// model overlaps all requests on one thread.
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/http_client.h"
#include "parlab/workloads/http_server.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "http.get";
constexpr uint64_t kNsPerMs = 1'000'000;
// On top of the server's delay: a request that takes this long is lost, not slow.
constexpr uint64_t kTimeoutMs = 10'000;
constexpr int64_t kMaxRequests = 1'000'000;  // to the runner's own loopback server
// To someone else's server (`url`): per repetition; the plan as a whole is capped too
// (kMaxOutboundRequestsPerPlan, http_url.h).
constexpr int64_t kMaxUrlRequests = 10'000;
constexpr int64_t kMaxDelayMs = 60'000;
constexpr int64_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr int64_t kMaxTotalDelayMs = 3'600'000;
constexpr int64_t kMaxTotalBodyBytes = int64_t{64} << 30;  // 64 GiB through loopback

struct Config {
  uint64_t requests = 100;
  uint64_t delay_ms = 50;
  uint64_t body_bytes = 64;
  std::optional<HttpUrl> url;  // set: no server; every task GETs it
};

// One stepped request; dropping it (done, failed, cancelled) closes its socket.
struct HttpGetState : TaskState {
  HttpGetState(const HttpUrl& url, uint64_t timeout_ns) : url(url), get(url, timeout_ns) {}
  HttpUrl url;
  HttpGet get;
};

class HttpGetWorkload : public Workload {
 public:
  explicit HttpGetWorkload(Config config)
      : config_(std::move(config)),
        timeout_ns_(((config_.url ? 0 : config_.delay_ms) + kTimeoutMs) * kNsPerMs) {}

  uint64_t task_count() const override { return config_.requests; }

  absl::Status Prepare() override {
    if (config_.url.has_value() || server_ != nullptr) return absl::OkStatus();
    PARLAB_ASSIGN_OR_RETURN(server_, HttpServer::Start({.delay_ms = config_.delay_ms,
                                                        .body_bytes = config_.body_bytes}));
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_ASSIGN_OR_RETURN(HttpUrl url, UrlFor(index));
    HttpGet get(url, timeout_ns_);
    absl::StatusOr<HttpResponse> response = get.Run();
    if (!response.ok()) return TaskError(index, response.status());
    return Verify(index, url, *response);
  }

  absl::StatusOr<StepResult> Step(uint64_t index, std::unique_ptr<TaskState>& state,
                                  parlab_wait_t& wait) override {
    if (state == nullptr) {
      PARLAB_ASSIGN_OR_RETURN(HttpUrl url, UrlFor(index));
      state = std::make_unique<HttpGetState>(url, timeout_ns_);
    }
    auto* request = dynamic_cast<HttpGetState*>(state.get());
    if (request == nullptr) {
      return absl::InternalError(absl::StrCat(kKind, " task ", index, ": foreign task state"));
    }
    absl::StatusOr<bool> done = request->get.Advance(wait);
    if (!done.ok()) return TaskError(index, done.status());
    if (!*done) return StepResult::kWait;
    PARLAB_RETURN_IF_ERROR(Verify(index, request->url, request->get.response()));
    return StepResult::kDone;
  }

 private:
  absl::StatusOr<HttpUrl> UrlFor(uint64_t index) const {
    // Someone else's server needs no Prepare().
    PARLAB_RETURN_IF_ERROR(
        CheckTask(kKind, index, /*prepared=*/config_.url.has_value() || server_ != nullptr));
    if (config_.url.has_value()) return *config_.url;
    HttpUrl url;
    url.host = "127.0.0.1";
    url.port = server_->port();
    url.path = HttpTaskPath(index);
    url.text = FormatHttpUrl(url.host, url.port, url.path);
    return url;
  }

  // The client's errors already name the URL ("GET http://...: connect: ..."); add the task.
  static absl::Status TaskError(uint64_t index, const absl::Status& status) {
    return absl::Status(status.code(),
                        absl::StrCat(kKind, " task ", index, ": ", status.message()));
  }

  absl::Status Verify(uint64_t index, const HttpUrl& url, const HttpResponse& response) const {
    std::optional<std::string> expected;
    if (!config_.url.has_value()) expected = HttpBodyFor(url.path, config_.body_bytes);
    absl::Status verified = VerifyHttpResponse(response, expected);
    if (verified.ok()) return verified;
    return absl::Status(verified.code(), absl::StrCat(kKind, " task ", index, ": GET ", url.text,
                                                      ": ", verified.message()));
  }

  Config config_;
  uint64_t timeout_ns_;
  std::unique_ptr<HttpServer> server_;  // its destructor stops and joins the server thread
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(
      ParamReader params,
      ParamReader::Create(kKind, spec.params(), {"requests", "delay_ms", "body_bytes", "url"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t requests, params.Int("requests", 100));
  PARLAB_ASSIGN_OR_RETURN(int64_t delay_ms, params.Int("delay_ms", 50));
  PARLAB_ASSIGN_OR_RETURN(int64_t body_bytes, params.Int("body_bytes", 64));
  PARLAB_RETURN_IF_ERROR(RequireInRange("requests", requests, 1, kMaxRequests));
  PARLAB_RETURN_IF_ERROR(RequireInRange("delay_ms", delay_ms, 0, kMaxDelayMs));
  PARLAB_RETURN_IF_ERROR(RequireInRange("body_bytes", body_bytes, 0, kMaxBodyBytes));
  // At concurrency 1 (the baseline) a repetition waits requests x delay_ms on the server.
  PARLAB_RETURN_IF_ERROR(RequireProductAtMost("requests", requests, "delay_ms", delay_ms,
                                              kMaxTotalDelayMs, "an hour of delay per repetition"));
  PARLAB_RETURN_IF_ERROR(RequireProductAtMost("requests", requests, "body_bytes", body_bytes,
                                              kMaxTotalBodyBytes, "bytes served per repetition"));
  Config config;
  config.requests = static_cast<uint64_t>(requests);
  config.delay_ms = static_cast<uint64_t>(delay_ms);
  config.body_bytes = static_cast<uint64_t>(body_bytes);
  if (auto url = spec.params().find("url"); url != spec.params().end()) {
    // The server's knobs mean nothing for someone else's server; silently ignoring them would
    // hide a plan that measures something other than what it says.
    for (const char* server_only : {"delay_ms", "body_bytes"}) {
      if (spec.params().contains(server_only)) {
        return absl::InvalidArgumentError(
            absl::StrCat(FieldName(server_only),
                         ": configures the built-in server, which is not started when url is "
                         "given"));
      }
    }
    if (requests > kMaxUrlRequests) {
      return absl::InvalidArgumentError(absl::StrCat(
          FieldName("requests"), ": must be <= ", kMaxUrlRequests,
          " per repetition when url is given (someone else's server), got ", requests));
    }
    absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(url->second);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldName("url"), ": ", parsed.status().message()));
    }
    config.url = *std::move(parsed);
  }
  return std::make_unique<HttpGetWorkload>(std::move(config));
}

}  // namespace

WorkloadKind HttpGetKind() {
  return MakeKind(
      kKind, "1.0.0",
      "I/O-bound: task i makes a real HTTP/1.1 GET /task/i over loopback to a server started for "
      "the run (Boost.Beast) that answers after delay_ms; checks status 200 and the exact body "
      "(fd waits when stepped)",
      "requests (integer, default 100, 1..1000000): number of GETs; delay_ms (integer, default "
      "50, 0..60000): the server's delay per response; body_bytes (integer, default 64, "
      "0..16777216): response body size; url (optional, http://IPV4|localhost[:PORT][/PATH], "
      "printable ASCII, no userinfo; requests then 1..10000): GET this URL instead (no server "
      "started; checks status 200 and a non-empty body); only to hosts the worker allows "
      "(loopback unless parlab-worker --allow-http)",
      &Create);
}

}  // namespace parlab::workloads
