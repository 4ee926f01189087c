// http.get: parameters, one real GET round trip in both forms (blocking, and stepped the way a
// model steps it: poll() on the fd the task names), and the checks that turn a wrong answer
// (wrong body, wrong status, empty body, no server, no answer in time) into an error.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

#include "parlab/workloads/http_client.h"
#include "parlab/workloads/http_server.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

using ::testing::HasSubstr;

v1::WorkloadSpec Spec(const std::map<std::string, std::string>& params) {
  v1::WorkloadSpec spec;
  spec.set_kind("http.get");
  for (const auto& [name, value] : params) (*spec.mutable_params())[name] = value;
  return spec;
}

std::unique_ptr<Workload> Prepared(const std::map<std::string, std::string>& params) {
  auto workload = CreateWorkload(Spec(params));
  EXPECT_TRUE(workload.ok()) << workload.status();
  if (!workload.ok()) return nullptr;
  absl::Status prepared = (*workload)->Prepare();
  EXPECT_TRUE(prepared.ok()) << prepared;
  return *std::move(workload);
}

std::string ErrorOf(const std::map<std::string, std::string>& params) {
  return std::string(ValidateWorkloadSpec(Spec(params)).message());
}

// Steps task `index` as a model would, waiting with poll() on the fd it names.
absl::Status StepToEnd(Workload& workload, uint64_t index, int* waits) {
  std::unique_ptr<TaskState> state;
  for (;;) {
    parlab_wait_t wait{};
    absl::StatusOr<StepResult> step = workload.Step(index, state, wait);
    if (!step.ok()) return step.status();
    if (*step == StepResult::kDone) return absl::OkStatus();
    ++*waits;
    EXPECT_NE(state, nullptr);
    EXPECT_GE(wait.fd, 0);
    EXPECT_TRUE(wait.kind == PARLAB_WAIT_READABLE || wait.kind == PARLAB_WAIT_WRITABLE);
    EXPECT_GT(wait.timeout_ns, 0u);
    pollfd pfd{wait.fd, static_cast<short>(wait.kind == PARLAB_WAIT_READABLE ? POLLIN : POLLOUT),
               0};
    poll(&pfd, 1, static_cast<int>(wait.timeout_ns / 1'000'000 + 1));
  }
}

// A port on 127.0.0.1 that nobody listens on (bound, then closed again).
uint16_t UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(HttpGetParams, DefaultsAreValidAndBadValuesNameTheField) {
  EXPECT_TRUE(ValidateWorkloadSpec(Spec({})).ok());
  EXPECT_EQ((*CreateWorkload(Spec({})))->task_count(), 100u);
  EXPECT_EQ(ErrorOf({{"requests", "0"}}), "plan.workload.params.requests: must be >= 1, got 0");
  EXPECT_EQ(ErrorOf({{"delay_ms", "-1"}}), "plan.workload.params.delay_ms: must be >= 0, got -1");
  EXPECT_EQ(ErrorOf({{"body_bytes", "x"}}),
            "plan.workload.params.body_bytes: must be an integer, got \"x\"");
  EXPECT_THAT(ErrorOf({{"body_bytes", "99999999"}}),
              HasSubstr("plan.workload.params.body_bytes: must be <="));
  EXPECT_THAT(ErrorOf({{"delay", "5"}}),
              HasSubstr("plan.workload.params.delay: unknown parameter"));
}

TEST(HttpGetParams, UrlMustBePlainHttpToAnAddress) {
  EXPECT_TRUE(ValidateWorkloadSpec(Spec({{"url", "http://127.0.0.1:8080/x"}})).ok());
  EXPECT_TRUE(ValidateWorkloadSpec(Spec({{"url", "http://localhost"}})).ok());
  EXPECT_THAT(ErrorOf({{"url", "https://127.0.0.1/"}}),
              HasSubstr("plan.workload.params.url: must use the http scheme"));
  EXPECT_THAT(
      ErrorOf({{"url", "http://example.com/"}}),
      HasSubstr(
          "plan.workload.params.url: host must be an IPv4 address in dotted decimal or localhost"));
  EXPECT_THAT(ErrorOf({{"url", "http://127.0.0.1:0/"}}),
              HasSubstr("plan.workload.params.url: port must be 1..65535"));
  EXPECT_THAT(ErrorOf({{"url", "http://127.0.0.1/"}, {"delay_ms", "5"}}),
              HasSubstr("plan.workload.params.delay_ms: configures the built-in server"));
}

TEST(HttpGet, RunTaskMakesOneVerifiedRoundTrip) {
  auto workload = Prepared({{"requests", "3"}, {"delay_ms", "0"}, {"body_bytes", "1000"}});
  ASSERT_NE(workload, nullptr);
  EXPECT_TRUE(workload->RunTask(2).ok());
  EXPECT_EQ(workload->RunTask(3).code(), absl::StatusCode::kOutOfRange);
}

TEST(HttpGet, StepWaitsOnTheSocketThenFinishesVerified) {
  auto workload = Prepared({{"requests", "2"}, {"delay_ms", "20"}});
  ASSERT_NE(workload, nullptr);
  int waits = 0;
  absl::Status status = StepToEnd(*workload, 1, &waits);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_GE(waits, 1);  // the server answers after 20 ms: the task must have waited on its fd
}

TEST(HttpGet, StepWithoutPrepareFailsClearly) {
  auto workload = CreateWorkload(Spec({{"requests", "1"}}));
  ASSERT_TRUE(workload.ok());
  std::unique_ptr<TaskState> state;
  parlab_wait_t wait{};
  absl::StatusOr<StepResult> step = (*workload)->Step(0, state, wait);
  EXPECT_EQ(step.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HttpGet, ServerAnswersEachPathWithItsOwnBodyAndAWrongBodyIsCaught) {
  auto server = HttpServer::Start({.delay_ms = 0, .body_bytes = 32});
  ASSERT_TRUE(server.ok()) << server.status();
  auto url = ParseHttpUrl(FormatHttpUrl("127.0.0.1", (*server)->port(), HttpTaskPath(7)));
  ASSERT_TRUE(url.ok()) << url.status();
  HttpGet get(*url, 5'000'000'000);
  absl::StatusOr<HttpResponse> response = get.Run();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "/task/7;/task/7;/task/7;/task/7;");
  EXPECT_TRUE(VerifyHttpResponse(*response, HttpBodyFor("/task/7", 32)).ok());
  // Another task's body of the same size, and a body of the wrong size, are both wrong.
  EXPECT_THAT(VerifyHttpResponse(*response, HttpBodyFor("/task/8", 32)).message(),
              HasSubstr("body differs from the expected one at byte 6"));
  EXPECT_THAT(VerifyHttpResponse(*response, HttpBodyFor("/task/7", 64)).message(),
              HasSubstr("body has 32 bytes, expected 64"));
}

TEST(HttpGet, UrlModeFailsOnAnErrorStatusNamingTaskAndUrl) {
  auto server = HttpServer::Start({.delay_ms = 0, .body_bytes = 8});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url = FormatHttpUrl("127.0.0.1", (*server)->port(), "/missing");
  auto workload = Prepared({{"requests", "2"}, {"url", url}});
  ASSERT_NE(workload, nullptr);
  absl::Status status = workload->RunTask(1);
  EXPECT_THAT(status.message(), HasSubstr("http.get task 1: GET " + url + ": status 404"));
  int waits = 0;
  EXPECT_THAT(StepToEnd(*workload, 0, &waits).message(), HasSubstr("status 404, expected 200"));
}

TEST(HttpGet, UrlModeRejectsAnEmptyBodyAndAcceptsAnyOther) {
  auto empty = HttpServer::Start({.delay_ms = 0, .body_bytes = 0});
  ASSERT_TRUE(empty.ok()) << empty.status();
  auto workload = Prepared(
      {{"requests", "1"}, {"url", FormatHttpUrl("127.0.0.1", (*empty)->port(), "/task/1")}});
  ASSERT_NE(workload, nullptr);
  EXPECT_THAT(workload->RunTask(0).message(), HasSubstr("empty body"));

  auto full = HttpServer::Start({.delay_ms = 0, .body_bytes = 5});
  ASSERT_TRUE(full.ok()) << full.status();
  workload = Prepared(
      {{"requests", "1"}, {"url", FormatHttpUrl("127.0.0.1", (*full)->port(), "/task/99")}});
  ASSERT_NE(workload, nullptr);
  absl::Status status = workload->RunTask(0);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(HttpGet, NoServerFailsWithTheUrlAndTheReason) {
  const std::string url = FormatHttpUrl("127.0.0.1", UnusedPort(), "/task/0");
  auto workload = Prepared({{"requests", "1"}, {"url", url}});
  ASSERT_NE(workload, nullptr);
  EXPECT_THAT(workload->RunTask(0).message(),
              HasSubstr("http.get task 0: GET " + url + ": connect: Connection refused"));
}

TEST(HttpGet, ASlowServerHitsTheRequestTimeout) {
  auto server = HttpServer::Start({.delay_ms = 2000, .body_bytes = 8});
  ASSERT_TRUE(server.ok()) << server.status();
  auto url = ParseHttpUrl(FormatHttpUrl("127.0.0.1", (*server)->port(), HttpTaskPath(0)));
  ASSERT_TRUE(url.ok());
  HttpGet get(*url, 100'000'000);  // 100 ms
  absl::StatusOr<HttpResponse> response = get.Run();
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(response.status().message(),
              HasSubstr("no complete response within 100 ms (waiting for the response)"));
}

}  // namespace
}  // namespace parlab::workloads
