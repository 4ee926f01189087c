// The coordinator daemon's service and RunPlan's failures before any job: a real server on an
// ephemeral loopback port, real gRPC calls.
#include "parlab/coordinator/service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/run_plan.h"

namespace parlab::coordinator {
namespace {

using ::testing::HasSubstr;

// Nothing listens on port 1 on loopback, so connecting is refused at once.
constexpr char kUnreachable[] = "127.0.0.1:1";

v1::Plan GoodPlan() {
  v1::Plan plan;
  plan.set_name("p");
  plan.mutable_workload()->set_kind("primes.sieve");
  plan.add_models("sequential");
  plan.add_concurrency(1);
  plan.set_repetitions(1);
  return plan;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = StartCoordinatorServer("127.0.0.1:0", {}, absl::Seconds(1));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::CoordinatorService::NewStub(
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials()));
  }

  // Runs SubmitRun to the end; returns its status and counts the events.
  grpc::Status Submit(const v1::SubmitRunRequest& request, int* events) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    auto reader = stub_->SubmitRun(&context, request);
    v1::RunEvent event;
    *events = 0;
    while (reader->Read(&event)) ++*events;
    return reader->Finish();
  }

  std::unique_ptr<CoordinatorServer> server_;
  std::unique_ptr<v1::CoordinatorService::Stub> stub_;
};

TEST_F(ServiceTest, ListensOnARealPort) {
  EXPECT_THAT(server_->address(), HasSubstr("127.0.0.1:"));
  EXPECT_NE(server_->address(), "127.0.0.1:0");
}

TEST_F(ServiceTest, RejectsAnInvalidPlan) {
  v1::SubmitRunRequest request;
  *request.mutable_plan() = GoodPlan();
  request.mutable_plan()->set_repetitions(0);
  request.add_workers(kUnreachable);
  int events = 0;
  grpc::Status status = Submit(request, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("plan.repetitions: must be >= 1, got 0"));
  EXPECT_EQ(events, 0);
}

// A client that builds its Plan without JSON meets the same limits as a plan file.
TEST_F(ServiceTest, RejectsAPlanOverTheLimits) {
  v1::SubmitRunRequest request;
  *request.mutable_plan() = GoodPlan();
  request.mutable_plan()->set_repetitions(1'000'000'000);
  request.add_workers(kUnreachable);
  int events = 0;
  grpc::Status status = Submit(request, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("plan.repetitions: must be <= 10000, got 1000000000"));
  EXPECT_EQ(events, 0);

  *request.mutable_plan() = GoodPlan();
  request.mutable_plan()->set_description(std::string(2 << 20, 'x'));
  status = Submit(request, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("plan: must be at most 1048576 bytes"));
  EXPECT_EQ(events, 0);
}

// A client that leaves out concurrency, repetitions and warmup gets the defaults a JSON plan
// gets (ApplyPlanDefaults), not "concurrency: must not be empty": validation passes and the run
// gets as far as the (unreachable) worker.
TEST_F(ServiceTest, AppliesTheSameDefaultsAsAPlanFile) {
  v1::SubmitRunRequest request;
  request.mutable_plan()->mutable_workload()->set_kind("primes.sieve");
  request.mutable_plan()->add_models("sequential");
  request.add_workers(kUnreachable);
  int events = 0;
  grpc::Status status = Submit(request, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("worker 127.0.0.1:1: unreachable"));
}

TEST_F(ServiceTest, NoWorkersAnywhere) {
  v1::SubmitRunRequest request;
  *request.mutable_plan() = GoodPlan();
  int events = 0;
  grpc::Status status = Submit(request, &events);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("--workers"));
}

TEST_F(ServiceTest, UnreachableWorkerFailsBeforeAnyEvent) {
  v1::SubmitRunRequest request;
  *request.mutable_plan() = GoodPlan();
  request.add_workers(kUnreachable);
  int events = 0;
  absl::Time start = absl::Now();
  grpc::Status status = Submit(request, &events);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // Nothing listens on port 1: refused at once rather than after the 1 s timeout.
  EXPECT_THAT(status.error_message(),
              HasSubstr("worker 127.0.0.1:1: unreachable (connection refused"));
  EXPECT_EQ(events, 0);
}

TEST_F(ServiceTest, ListWorkersWithNoneConfigured) {
  grpc::ClientContext context;
  v1::ListWorkersResponse response;
  grpc::Status status = stub_->ListWorkers(&context, v1::ListWorkersRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.workers_size(), 0);
}

// The health protos are not packaged on Debian, so speak the wire format: HealthCheckRequest
// {service = 1} is 0a LEN NAME (empty for the server as a whole), and HealthCheckResponse
// {status: SERVING} is the bytes 08 01. Returns the status and the response's bytes.
std::pair<grpc::Status, std::string> HealthCheck(const std::string& address,
                                                 const std::string& service) {
  grpc::GenericStub stub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  std::string encoded;
  if (!service.empty()) {
    encoded = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
  }
  grpc::Slice slice(encoded);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  std::string bytes;
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const grpc::Slice& part : slices) {
      bytes.append(reinterpret_cast<const char*>(part.begin()), part.size());
    }
  }
  return {status, bytes};
}

TEST_F(ServiceTest, HealthServiceAnswersServing) {
  auto [status, bytes] = HealthCheck(server_->address(), "");
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
}

// A probe that names the service (a Kubernetes grpc probe with `service:`, grpc_health_probe
// -service) gets SERVING too, not NOT_FOUND; a name the server does not have stays NOT_FOUND.
TEST_F(ServiceTest, HealthServiceKnowsItsOwnName) {
  const std::string name = v1::CoordinatorService::service_full_name();
  ASSERT_EQ(name, "parlab.v1.CoordinatorService");
  auto [status, bytes] = HealthCheck(server_->address(), name);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(bytes, std::string("\x08\x01", 2));
  auto [unknown, ignored] = HealthCheck(server_->address(), "parlab.v1.NoSuchService");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(RunPlanTest, UnreachableWorkerIsAnErrorNamingIt) {
  RunOptions options;
  options.connect_timeout = absl::Milliseconds(300);
  int events = 0;
  absl::StatusOr<RunOutcome> outcome =
      RunPlan(GoodPlan(), {kUnreachable}, options, [&](const v1::RunEvent&) { ++events; });
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(outcome.status().message()),
              HasSubstr("worker 127.0.0.1:1: unreachable (no connection within 0.3 s)"));
  EXPECT_EQ(events, 0);
}

TEST(RunPlanTest, RejectsDuplicateAndMissingWorkers) {
  RunOptions options;
  absl::StatusOr<RunOutcome> none = RunPlan(GoodPlan(), {}, options, nullptr);
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("no worker"));
  absl::StatusOr<RunOutcome> twice = RunPlan(GoodPlan(), {"a:1", "a:1"}, options, nullptr);
  EXPECT_THAT(std::string(twice.status().message()),
              HasSubstr(R"(workers[1]: duplicate worker "a:1")"));
}

TEST(RunPlanTest, ACancelledRunStopsConnecting) {
  cluster::RunCanceller canceller;
  canceller.Cancel();
  RunOptions options;
  options.connect_timeout = absl::Seconds(30);
  options.canceller = &canceller;
  absl::Time start = absl::Now();
  absl::StatusOr<RunOutcome> outcome = RunPlan(GoodPlan(), {kUnreachable}, options, nullptr);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace parlab::coordinator
