// The coordinator service behind tokens (plaintext on loopback, real gRPC calls): each role may
// do its own calls only, a registration is bound to its caller's address and to its heartbeat
// secret, and SubmitRun.workers names unknown addresses only for an admin. TLS and the daemons
// end to end: tests/security and tests/e2e/security_e2e_test.cc.
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/service.h"

namespace parlab::coordinator {
namespace {

using ::testing::HasSubstr;

constexpr char kAlice[] = "alice-secret-0123456789";  // submit
constexpr char kNode[] = "node1-secret-0123456789";   // worker
constexpr char kRoot[] = "root-secret-01234567890";   // admin

class SecureServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char path[] = "/tmp/parlab-tokens-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    tokens_path_ = path;
    std::ofstream(tokens_path_) << "alice submit " << kAlice << "\nnode1 worker " << kNode
                                << "\nroot admin " << kRoot << "\n";
    security::DaemonSecurityFlags flags;
    flags.tokens = tokens_path_;
    auto security = security::ServerSecurity::Create(flags, "127.0.0.1:0", "parlab-coordinator");
    ASSERT_TRUE(security.ok()) << security.status();
    cluster::RegistryOptions registry;
    registry.max_registered = 3;
    auto server = StartCoordinatorServer("127.0.0.1:0", {}, absl::Seconds(1), registry, nullptr,
                                         *std::move(security));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override { unlink(tokens_path_.c_str()); }

  std::unique_ptr<v1::CoordinatorService::Stub> Stub(const std::string& token) {
    security::ClientSecurity client;
    client.token = token;
    return v1::CoordinatorService::NewStub(
        security::CreateChannel(server_->address(), grpc::ChannelArguments(), client));
  }

  static void Deadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  grpc::Status Register(const std::string& token, const std::string& address,
                        v1::RegisterWorkerResponse* response) {
    grpc::ClientContext context;
    Deadline(context);
    v1::RegisterWorkerRequest request;
    request.mutable_description()->set_address(address);
    return Stub(token)->RegisterWorker(&context, request, response);
  }

  grpc::Status Beat(const std::string& token, const std::string& address, const std::string& secret,
                    v1::HeartbeatResponse* response) {
    grpc::ClientContext context;
    Deadline(context);
    v1::HeartbeatRequest request;
    request.set_address(address);
    request.set_secret(secret);
    return Stub(token)->Heartbeat(&context, request, response);
  }

  grpc::Status Deregister(const std::string& token, const std::string& address,
                          const std::string& secret, v1::DeregisterWorkerResponse* response) {
    grpc::ClientContext context;
    Deadline(context);
    v1::DeregisterWorkerRequest request;
    request.set_address(address);
    request.set_secret(secret);
    return Stub(token)->DeregisterWorker(&context, request, response);
  }

  size_t Registered() {
    absl::StatusOr<std::vector<v1::WorkerStatus>> statuses =
        server_->service().registry().Statuses();
    return statuses.ok() ? statuses->size() : 999;
  }

  std::string tokens_path_;
  std::unique_ptr<CoordinatorServer> server_;
};

TEST_F(SecureServiceTest, RegistrationNeedsTheWorkerRole) {
  v1::RegisterWorkerResponse response;
  grpc::Status none = Register("", "127.0.0.1:7471", &response);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(),
              HasSubstr("RegisterWorker needs a bearer token of role worker"));
  grpc::Status wrong = Register("made-up-token-0123456789", "127.0.0.1:7471", &response);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(wrong.error_message(), HasSubstr("unknown token"));
  grpc::Status submit = Register(kAlice, "127.0.0.1:7471", &response);
  EXPECT_EQ(submit.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(submit.error_message(), HasSubstr("token \"alice\" has role submit"));
  EXPECT_EQ(Registered(), 0u);  // nothing stored

  grpc::Status ok = Register(kNode, "127.0.0.1:7471", &response);
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_FALSE(response.heartbeat_secret().empty());
  EXPECT_EQ(server_->service().registry().IdentityOf("127.0.0.1:7471"), "token:node1");
}

TEST_F(SecureServiceTest, AWorkerRegistersOnlyItsOwnAddress) {
  v1::RegisterWorkerResponse response;
  grpc::Status elsewhere = Register(kNode, "10.1.2.3:22", &response);
  EXPECT_EQ(elsewhere.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(elsewhere.error_message(),
              HasSubstr("a worker registers its own address, but this call came from 127.0.0.1"));
  EXPECT_EQ(Registered(), 0u);
  // An admin may (a worker behind NAT, registered by its operator).
  EXPECT_TRUE(Register(kRoot, "10.1.2.3:7471", &response).ok());
}

TEST_F(SecureServiceTest, SpoofedHeartbeatsAreRefused) {
  v1::RegisterWorkerResponse registered;
  ASSERT_TRUE(Register(kNode, "127.0.0.1:7471", &registered).ok());
  v1::HeartbeatResponse response;
  grpc::Status spoofed = Beat(kNode, "127.0.0.1:7471", "not-the-secret", &response);
  EXPECT_EQ(spoofed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(spoofed.error_message(), HasSubstr("wrong registration secret"));
  EXPECT_EQ(Beat("", "127.0.0.1:7471", registered.heartbeat_secret(), &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Beat(kAlice, "127.0.0.1:7471", registered.heartbeat_secret(), &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Beat(kNode, "127.0.0.1:7471", registered.heartbeat_secret(), &response).ok());
  EXPECT_TRUE(response.known());
}

// Deregistering takes the worker role and the registration's secret; anything less leaves the
// entry where it is.
TEST_F(SecureServiceTest, SpoofedDeregistrationsAreRefused) {
  v1::RegisterWorkerResponse registered;
  ASSERT_TRUE(Register(kNode, "127.0.0.1:7471", &registered).ok());
  const std::string& secret = registered.heartbeat_secret();
  v1::DeregisterWorkerResponse response;
  EXPECT_EQ(Deregister("", "127.0.0.1:7471", secret, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status submit = Deregister(kAlice, "127.0.0.1:7471", secret, &response);
  EXPECT_EQ(submit.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(submit.error_message(), HasSubstr("DeregisterWorker needs role worker"));
  grpc::Status spoofed = Deregister(kNode, "127.0.0.1:7471", "not-the-secret", &response);
  EXPECT_EQ(spoofed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(spoofed.error_message(), HasSubstr("wrong registration secret"));
  EXPECT_EQ(Registered(), 1u);

  ASSERT_TRUE(Deregister(kNode, "127.0.0.1:7471", secret, &response).ok());
  EXPECT_TRUE(response.removed());
  EXPECT_EQ(Registered(), 0u);
}

TEST_F(SecureServiceTest, TheRegistryIsCapped) {
  v1::RegisterWorkerResponse response;
  for (int port = 1; port <= 3; ++port) {
    ASSERT_TRUE(Register(kNode, absl::StrCat("127.0.0.1:", port), &response).ok());
  }
  grpc::Status full = Register(kNode, "127.0.0.1:4", &response);
  EXPECT_EQ(full.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(full.error_message(), HasSubstr("registry full: 3 workers registered"));
}

TEST_F(SecureServiceTest, OnlyAnAdminNamesUnknownWorkers) {
  v1::SubmitRunRequest request;
  request.mutable_plan()->set_name("p");
  request.mutable_plan()->mutable_workload()->set_kind("primes.sieve");
  request.mutable_plan()->add_models("sequential");
  request.mutable_plan()->add_concurrency(1);
  request.mutable_plan()->set_repetitions(1);
  request.add_workers("127.0.0.1:1");
  {
    grpc::ClientContext context;
    Deadline(context);
    auto reader = Stub(kAlice)->SubmitRun(&context, request);
    v1::RunEvent event;
    EXPECT_FALSE(reader->Read(&event));
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(status.error_message(),
                HasSubstr("workers[0] \"127.0.0.1:1\": not a worker this coordinator knows"));
    EXPECT_THAT(status.error_message(), HasSubstr("needs role admin"));
  }
  {
    // The admin gets past the check: the run then fails on the unreachable address itself.
    grpc::ClientContext context;
    Deadline(context);
    auto reader = Stub(kRoot)->SubmitRun(&context, request);
    v1::RunEvent event;
    while (reader->Read(&event)) {
    }
    grpc::Status status = reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }
  {
    grpc::ClientContext context;
    Deadline(context);
    auto reader = Stub(kNode)->SubmitRun(&context, request);
    v1::RunEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
}

TEST_F(SecureServiceTest, ReadingNeedsATokenToo) {
  grpc::ClientContext context;
  Deadline(context);
  v1::ListRunsResponse runs;
  EXPECT_EQ(Stub("")->ListRuns(&context, v1::ListRunsRequest(), &runs).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext workers_context;
  Deadline(workers_context);
  v1::ListWorkersResponse workers;
  EXPECT_EQ(
      Stub(kNode)->ListWorkers(&workers_context, v1::ListWorkersRequest(), &workers).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext ok_context;
  Deadline(ok_context);
  EXPECT_TRUE(Stub(kAlice)->ListWorkers(&ok_context, v1::ListWorkersRequest(), &workers).ok());
}

}  // namespace
}  // namespace parlab::coordinator
