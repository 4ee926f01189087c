// TLS and tokens end to end, with the real daemons on 127.0.0.1 and certificates made by
// scripts/make-lab-certs.sh: a submit-role client runs a plan through a TLS coordinator on TLS
// workers that registered with worker-role tokens; no token, a wrong token, a token of the wrong
// role and a certificate from another CA are each refused with their reason and nothing is run or
// stored; a rogue registration and a spoofed heartbeat are refused; mutual TLS; a non-loopback
// bind without TLS exits 2 naming the flags.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parlab/security/net_security.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "process.h"
#include "support/lab_certs.h"

namespace parlab::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;
using test_support::LabCerts;

constexpr char kAlice[] = "alice-0123456789abcdef01";  // submit: a person running plans
constexpr char kNode[] = "node-0123456789abcdef0123";  // worker: the workers' registration
constexpr char kCoord[] = "coord-0123456789abcdef01";  // submit: the coordinator -> workers
constexpr char kRoot[] = "root-0123456789abcdef0123";  // admin

class SecurityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<LabCerts> certs = LabCerts::Make({"127.0.0.1"});
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    tokens_ = certs_.WriteFile(
        "tokens", absl::StrCat("# the lab's tokens\nalice submit ", kAlice, "\nnode1 worker ",
                               kNode, "\ncoord submit ", kCoord, "\nroot admin ", kRoot, "\n"));
    alice_ = certs_.WriteFile("alice.token", absl::StrCat(kAlice, "\n"));
    node_ = certs_.WriteFile("node.token", absl::StrCat(kNode, "\n"));
    coord_ = certs_.WriteFile("coord.token", absl::StrCat(kCoord, "\n"));
    store_ = certs_.dir() + "/runs.db";
    plan_ = certs_.WriteFile(
        "plan.json",
        Json{{"name", "tls-e2e"},
             {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1050}}}}},
             {"models", {"sequential", "threads"}},
             {"concurrency", {1, 2}},
             {"repetitions", 1},
             {"warmup", 0}}
            .dump());
  }

  // The TLS flags of a daemon with this lab's certificate for 127.0.0.1.
  std::vector<std::string> Tls() const {
    return {"--tls-cert", certs_.Cert("127.0.0.1"),
            "--tls-key",  certs_.Key("127.0.0.1"),
            "--tls-ca",   certs_.ca(),
            "--tokens",   tokens_};
  }

  std::unique_ptr<Daemon> StartCoordinator(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--store", store_,
        "--token-file",         coord_};
    for (const std::string& flag : Tls()) argv.push_back(flag);
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Daemon>(argv);
  }

  std::unique_ptr<Daemon> StartWorker(const std::string& coordinator,
                                      std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {PARLAB_WORKER_BIN,
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--coordinator",
                                     coordinator,
                                     "--token-file",
                                     node_,
                                     "--heartbeat-interval",
                                     "0.2"};
    for (const std::string& flag : Tls()) argv.push_back(flag);
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Daemon>(argv);
  }

  static Completed Parlab(std::vector<std::string> args, std::vector<std::string> env = {}) {
    args.insert(args.begin(), PARLAB_CLI_BIN);
    if (!env.empty()) {
      env.insert(env.begin(), "/usr/bin/env");
      args.insert(args.begin(), env.begin(), env.end());
    }
    return RunToCompletion(args, absl::Seconds(60));
  }

  // The workers a coordinator lists, as alice sees them; waits up to 20 s for `count`.
  Json WaitForWorkers(const std::string& coordinator, size_t count) {
    Json workers = Json::array();
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      Completed listed = Parlab({"workers", "--coordinator", coordinator, "--tls-ca", certs_.ca(),
                                 "--token-file", alice_, "--format", "json"});
      if (listed.exit_code == 0) {
        workers = Json::parse(listed.out)["workers"];
        if (workers.is_array() && workers.size() >= count) return workers;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    ADD_FAILURE() << "fewer than " << count << " workers registered: " << workers.dump();
    return workers;
  }

  size_t StoredRuns(const std::string& coordinator) {
    Completed list = Parlab({"results", "list", "--coordinator", coordinator, "--tls-ca",
                             certs_.ca(), "--token-file", alice_, "--format", "json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return list.exit_code == 0 ? Json::parse(list.out).size() : 999;
  }

  // A raw TLS channel presenting `token` (empty: none), for the stubs below.
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::string& token) {
    security::ClientSecurityFiles files;
    files.tls_ca = certs_.ca();
    files.token = token;
    absl::StatusOr<security::ClientSecurity> client = security::LoadClientSecurity(files);
    EXPECT_TRUE(client.ok()) << client.status();
    return security::CreateChannel(address, grpc::ChannelArguments(), *client);
  }
  std::unique_ptr<v1::CoordinatorService::Stub> Stub(const std::string& address,
                                                     const std::string& token) {
    return v1::CoordinatorService::NewStub(TlsChannel(address, token));
  }
  std::unique_ptr<v1::WorkerService::Stub> WorkerStub(const std::string& address,
                                                      const std::string& token) {
    return v1::WorkerService::NewStub(TlsChannel(address, token));
  }

  LabCerts certs_;
  std::string tokens_, alice_, node_, coord_, store_, plan_;
};

TEST_F(SecurityE2eTest, ASubmitClientRunsAPlanThroughATlsCoordinatorOnTlsWorkers) {
  std::unique_ptr<Daemon> coordinator = StartCoordinator();
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  std::unique_ptr<Daemon> worker_a = StartWorker(coordinator->address());
  std::unique_ptr<Daemon> worker_b = StartWorker(coordinator->address());
  ASSERT_TRUE(worker_a->ok()) << worker_a->error();
  ASSERT_TRUE(worker_b->ok()) << worker_b->error();
  ASSERT_EQ(WaitForWorkers(coordinator->address(), 2).size(), 2u);

  Completed run = Parlab({"run", plan_, "--coordinator", coordinator->address(), "--tls-ca",
                          certs_.ca(), "--token-file", alice_, "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json doc = Json::parse(run.out);
  EXPECT_EQ(doc["machines"].size(), 2u) << run.out;
  // Who produced the samples, as TLS proved it: the workers' certificate subject.
  for (const Json& machine : doc["machines"]) {
    EXPECT_THAT(machine["identity"].get<std::string>(), HasSubstr("CN=127.0.0.1")) << machine;
  }
  for (const Json& record : doc["results"]) {
    EXPECT_THAT(record["worker_identity"].get<std::string>(), HasSubstr("cert:")) << record;
  }
  // ... and so does every later view of the stored run.
  const std::string run_id = doc["run_id"];
  const std::vector<std::string> creds = {"--coordinator", coordinator->address(), "--tls-ca",
                                          certs_.ca(),     "--token-file",         alice_};
  std::vector<std::string> show = {"results", "show", run_id};
  show.insert(show.end(), creds.begin(), creds.end());
  Completed shown = Parlab(show);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("cert:"));
  std::vector<std::string> csv = {"export", run_id, "--format", "csv"};
  csv.insert(csv.end(), creds.begin(), creds.end());
  Completed exported = Parlab(csv);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("worker_identity"));
  EXPECT_THAT(exported.out, HasSubstr("cert:"));

  // The same through the environment (PARLAB_TOKEN), never the command line.
  Completed env_run =
      Parlab({"run", plan_, "--coordinator", coordinator->address(), "--tls-ca", certs_.ca()},
             {absl::StrCat("PARLAB_TOKEN=", kAlice)});
  EXPECT_EQ(env_run.exit_code, 0) << env_run.err;
  Completed file_run =
      Parlab({"run", plan_, "--coordinator", coordinator->address(), "--tls-ca", certs_.ca()},
             {absl::StrCat("PARLAB_TOKEN_FILE=", alice_)});
  EXPECT_EQ(file_run.exit_code, 0) << file_run.err;
  EXPECT_EQ(StoredRuns(coordinator->address()), 3u);

  // Straight to a TLS worker (the embedded coordinator): the same token works, none does not.
  Completed direct = Parlab({"run", plan_, "--workers", worker_a->address(), "--tls-ca",
                             certs_.ca(), "--token-file", alice_, "--no-store"});
  EXPECT_EQ(direct.exit_code, 0) << direct.err;
  Completed anonymous = Parlab(
      {"run", plan_, "--workers", worker_a->address(), "--tls-ca", certs_.ca(), "--no-store"});
  EXPECT_EQ(anonymous.exit_code, 2);
  EXPECT_THAT(anonymous.err, HasSubstr("Describe needs a bearer token of role submit"));
}

TEST_F(SecurityE2eTest, WithoutTlsTheResultsNameWhoRegisteredTheWorker) {
  // Tokens on loopback, no certificates: the coordinator records the registration's identity.
  Daemon coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--store", store_,
                      "--tokens", tokens_, "--token-file", coord_});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--coordinator",
                 coordinator.address(), "--tokens", tokens_, "--token-file", node_,
                 "--heartbeat-interval", "0.2"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  Completed run;
  do {
    absl::SleepFor(absl::Milliseconds(200));
    run = Parlab({"run", plan_, "--coordinator", coordinator.address(), "--token-file", alice_,
                  "--format", "json"});
  } while (run.exit_code != 0 && absl::Now() < deadline);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json doc = Json::parse(run.out);
  ASSERT_EQ(doc["machines"].size(), 1u);
  EXPECT_EQ(doc["machines"][0]["identity"], "registered by token:node1");
  EXPECT_EQ(doc["results"][0]["worker_identity"], "registered by token:node1");
}

TEST_F(SecurityE2eTest, EachWrongCredentialIsRefusedWithItsReasonAndNothingRuns) {
  std::unique_ptr<Daemon> coordinator = StartCoordinator();
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  std::unique_ptr<Daemon> worker = StartWorker(coordinator->address());
  ASSERT_TRUE(worker->ok()) << worker->error();
  ASSERT_EQ(WaitForWorkers(coordinator->address(), 1).size(), 1u);
  const std::vector<std::string> base = {"run", plan_, "--coordinator", coordinator->address()};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return Parlab(args);
  };

  Completed none = with({"--tls-ca", certs_.ca()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("SubmitRun needs a bearer token of role submit"));

  Completed wrong = with({"--tls-ca", certs_.ca(), "--token-file",
                          certs_.WriteFile("wrong", "not-our-token-0123456789\n")});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_THAT(wrong.err, HasSubstr("unknown token"));

  Completed role = with({"--tls-ca", certs_.ca(), "--token-file", node_});
  EXPECT_EQ(role.exit_code, 2);
  EXPECT_THAT(role.err,
              HasSubstr("SubmitRun needs role submit (or admin); token \"node1\" has role worker"));

  absl::StatusOr<LabCerts> other = LabCerts::Make({"127.0.0.1"});
  ASSERT_TRUE(other.ok()) << other.status();
  Completed foreign = with({"--tls-ca", other->ca(), "--token-file", alice_});
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_THAT(foreign.err, HasSubstr("TLS handshake failed"));

  Completed plaintext = with({"--token-file", alice_});
  EXPECT_EQ(plaintext.exit_code, 2);
  EXPECT_THAT(plaintext.err, HasSubstr("needs --tls-ca"));

  // Reading results needs a token too; with one, the store holds no run.
  Completed list =
      Parlab({"results", "list", "--coordinator", coordinator->address(), "--tls-ca", certs_.ca()});
  EXPECT_NE(list.exit_code, 0);
  EXPECT_THAT(list.err, HasSubstr("ListRuns needs a bearer token"));
  EXPECT_EQ(StoredRuns(coordinator->address()), 0u);

  // A command-line token is not a thing: the flag takes a file.
  Completed literal = with({"--tls-ca", certs_.ca(), "--token", kAlice});
  EXPECT_EQ(literal.exit_code, 2);
  EXPECT_THAT(literal.err, HasSubstr("unknown option \"--token\""));
}

TEST_F(SecurityE2eTest, RogueRegistrationAndSpoofedHeartbeatsAreRefused) {
  std::unique_ptr<Daemon> coordinator = StartCoordinator();
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  std::unique_ptr<Daemon> worker = StartWorker(coordinator->address());
  ASSERT_TRUE(worker->ok()) << worker->error();
  ASSERT_EQ(WaitForWorkers(coordinator->address(), 1).size(), 1u);

  // A fake worker with a submit token (or none) is not registered.
  v1::RegisterWorkerRequest fake;
  fake.mutable_description()->set_address("127.0.0.1:9");
  fake.mutable_description()->mutable_machine()->set_logical_cores(1024);
  for (const std::string& token : {std::string(kAlice), std::string()}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::RegisterWorkerResponse response;
    grpc::Status status =
        Stub(coordinator->address(), token)->RegisterWorker(&context, fake, &response);
    EXPECT_EQ(status.error_code(), token.empty() ? grpc::StatusCode::UNAUTHENTICATED
                                                 : grpc::StatusCode::PERMISSION_DENIED)
        << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("RegisterWorker needs"));
  }
  // A worker process with the wrong token never appears either.
  std::unique_ptr<Daemon> rogue = StartWorker(coordinator->address(), {"--token-file", alice_});
  ASSERT_TRUE(rogue->ok()) << rogue->error();
  absl::SleepFor(absl::Seconds(1));
  Json workers = WaitForWorkers(coordinator->address(), 1);
  ASSERT_EQ(workers.size(), 1u) << workers.dump();
  EXPECT_EQ(workers[0]["address"], worker->address());

  // A heartbeat for the real worker with a worker token but without its secret: refused.
  v1::HeartbeatRequest beat;
  beat.set_address(worker->address());
  beat.set_busy(true);
  beat.set_secret("guessed");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::HeartbeatResponse response;
  grpc::Status spoofed = Stub(coordinator->address(), kNode)->Heartbeat(&context, beat, &response);
  EXPECT_EQ(spoofed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(spoofed.error_message(), HasSubstr("wrong registration secret"));
}

TEST_F(SecurityE2eTest, MutualTlsNeedsALabClientCertificate) {
  std::unique_ptr<Daemon> coordinator = StartCoordinator({"--tls-client-auth"});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  const std::vector<std::string> list = {
      "results",  "list",      "--coordinator", coordinator->address(),
      "--tls-ca", certs_.ca(), "--token-file",  alice_};
  Completed without = Parlab(list);
  EXPECT_EQ(without.exit_code, 2) << without.err;
  EXPECT_THAT(without.err, HasSubstr("TLS handshake failed"));

  absl::StatusOr<LabCerts> other = LabCerts::Make({"127.0.0.1"});
  ASSERT_TRUE(other.ok()) << other.status();
  std::vector<std::string> foreign = list;
  foreign.insert(foreign.end(),
                 {"--tls-cert", other->client_cert(), "--tls-key", other->client_key()});
  Completed foreign_run = Parlab(foreign);
  EXPECT_EQ(foreign_run.exit_code, 2) << foreign_run.err;

  std::vector<std::string> with_cert = list;
  with_cert.insert(with_cert.end(),
                   {"--tls-cert", certs_.client_cert(), "--tls-key", certs_.client_key()});
  Completed ok = Parlab(with_cert);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(SecurityE2eTest, ANonLoopbackBindWithoutTlsExitsNamingTheFlags) {
  const std::vector<std::vector<std::string>> daemons = {
      {PARLAB_WORKER_BIN, "--listen", "0.0.0.0:0"},
      {PARLAB_COORDINATOR_BIN, "--listen", "0.0.0.0:0", "--no-store"}};
  for (const std::vector<std::string>& argv : daemons) {
    Completed refused = RunToCompletion(argv, absl::Seconds(30));
    EXPECT_EQ(refused.exit_code, 2) << argv[0] << ": " << refused.err;
    EXPECT_THAT(refused.err, HasSubstr("a non-loopback address needs TLS and a token"));
    EXPECT_THAT(refused.err, HasSubstr("--tls-cert/--tls-key"));
    EXPECT_THAT(refused.err, HasSubstr("--tokens"));
    EXPECT_THAT(refused.err, HasSubstr("--insecure"));
    EXPECT_THAT(refused.out, Not(HasSubstr("listening on")));
  }
  // --insecure starts, and says what it gives up at every start.
  const std::string err_path = certs_.dir() + "/insecure.err";
  {
    Daemon insecure({PARLAB_WORKER_BIN, "--listen", "0.0.0.0:0", "--insecure"}, err_path);
    ASSERT_TRUE(insecure.ok()) << insecure.error();
  }
  std::ifstream in(err_path);
  std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(err, HasSubstr("WARNING: --insecure: serving 0.0.0.0:"));
}

TEST_F(SecurityE2eTest, TheLocalDefaultNeedsNoConfiguration) {
  // `parlab run plan.json`: the auto-started local worker on loopback, no TLS, no token, even
  // with a token in the environment.
  Completed run = Parlab({"run", plan_, "--no-store"}, {absl::StrCat("PARLAB_TOKEN=", kAlice)});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  Completed pointless = Parlab({"run", plan_, "--no-store", "--tls-ca", certs_.ca()});
  EXPECT_EQ(pointless.exit_code, 2);
  EXPECT_THAT(pointless.err, HasSubstr("--tls-ca: does nothing without --coordinator"));
}

// CheckWorkload starts a runner that imports a module (the python workload): like RunJob, it
// needs the submit role, or anyone reaching a worker could make it run one.
TEST_F(SecurityE2eTest, CheckingAWorkloadNeedsTheSubmitRole) {
  std::unique_ptr<Daemon> coordinator = StartCoordinator();
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  std::unique_ptr<Daemon> worker = StartWorker(coordinator->address());
  ASSERT_TRUE(worker->ok()) << worker->error();
  v1::CheckWorkloadRequest request;
  request.mutable_workload()->set_kind("sleep");
  (*request.mutable_workload()->mutable_params())["ms"] = "1";
  auto check = [&](const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::CheckWorkloadResponse response;
    return WorkerStub(worker->address(), token)->CheckWorkload(&context, request, &response);
  };
  grpc::Status anonymous = check("");
  EXPECT_EQ(anonymous.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(anonymous.error_message(), HasSubstr("CheckWorkload needs a bearer token"));
  grpc::Status node = check(kNode);
  EXPECT_EQ(node.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(node.error_message(), HasSubstr("CheckWorkload needs role submit"));
  grpc::Status alice = check(kAlice);
  EXPECT_TRUE(alice.ok()) << alice.error_message();
}

}  // namespace
}  // namespace parlab::e2e
