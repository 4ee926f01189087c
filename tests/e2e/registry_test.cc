// Discovery against real daemons: self-registration and heartbeats (idle, then lost within
// the timeout after SIGKILL; gone at once after SIGTERM), labels and selection, a hostfile, and
// DNS ("localhost:PORT").
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cluster_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/sanitized.h"

namespace parlab::scheduling {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::optional<v1::WorkerStatus> Find(const std::vector<v1::WorkerStatus>& statuses,
                                     const std::string& address) {
  for (const v1::WorkerStatus& status : statuses) {
    if (status.description().address() == address) return status;
  }
  return std::nullopt;
}

std::optional<v1::WorkerStatus> FindIn(const std::string& coordinator, const std::string& address) {
  return Find(Statuses(coordinator), address);
}

TEST(RegistryTest, RegisteredWorkerIsIdleThenLostSoonAfterSigkill) {
  auto coordinator = StartCoordinator({"--heartbeat-timeout", "2"});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  auto worker = StartWorker({"--coordinator", coordinator->address(), "--label", "rack=a",
                             "--label", "gen=test", "--heartbeat-interval", "0.2"});
  ASSERT_TRUE(worker->ok()) << worker->error();
  const std::string address = worker->address();

  ASSERT_TRUE(WaitUntil(
      [&] {
        auto status = FindIn(coordinator->address(), address);
        return status.has_value() && status->state() == "idle";
      },
      absl::Seconds(10)));
  v1::WorkerStatus status = *FindIn(coordinator->address(), address);
  EXPECT_EQ(status.source(), "registered");
  EXPECT_EQ(status.description().labels().at("rack"), "a");
  EXPECT_EQ(status.description().labels().at("gen"), "test");
  EXPECT_FALSE(status.description().machine().hostname().empty());
  EXPECT_GT(status.description().models_size(), 0);
  EXPECT_GT(status.last_seen_unix_ms(), 0);

  worker->Kill();
  const absl::Time killed = absl::Now();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto lost = FindIn(coordinator->address(), address);
        return lost.has_value() && lost->state() == "lost";
      },
      absl::Seconds(10)));
  // The timeout (2 s) plus slack for a loaded machine; never the 10 s the wait allows.
  EXPECT_LT(absl::Now() - killed, absl::Seconds(2 + 4));
  EXPECT_THAT(FindIn(coordinator->address(), address)->lost_reason(),
              HasSubstr("no heartbeat for"));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/parlab-registry-", getpid(), "-", name);
}

// A coordinator whose heartbeat timeout (60 s) no test reaches, and one worker registered with it.
struct Registered {
  std::unique_ptr<Daemon> coordinator;
  std::unique_ptr<Daemon> worker;
};

void StartRegistered(Registered* out) {
  out->coordinator = StartCoordinator({"--heartbeat-timeout", "60"});
  ASSERT_TRUE(out->coordinator->ok()) << out->coordinator->error();
  out->worker =
      StartWorker({"--coordinator", out->coordinator->address(), "--heartbeat-interval", "0.2"});
  ASSERT_TRUE(out->worker->ok()) << out->worker->error();
  ASSERT_TRUE(WaitUntil(
      [&] { return FindIn(out->coordinator->address(), out->worker->address()).has_value(); },
      absl::Seconds(10)));
}

// Issue 13: a worker stopped cleanly (SIGTERM) left the list only at the heartbeat timeout (60 s
// here), showing idle until then. It deregisters before it exits, so the very next
// `parlab workers` no longer lists it; the other worker stays.
TEST(RegistryTest, AWorkerStoppedCleanlyLeavesTheListAtOnce) {
  const std::string coordinator_log = TempPath("coordinator.err");
  const std::string worker_log = TempPath("worker.err");
  auto coordinator = StartCoordinator({"--heartbeat-timeout", "60"}, coordinator_log);
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  auto staying =
      StartWorker({"--coordinator", coordinator->address(), "--heartbeat-interval", "0.2"});
  auto leaving = StartWorker(
      {"--coordinator", coordinator->address(), "--heartbeat-interval", "0.2"}, worker_log);
  ASSERT_TRUE(staying->ok() && leaving->ok());
  const std::string leaving_address = leaving->address();
  ASSERT_TRUE(
      WaitUntil([&] { return Statuses(coordinator->address()).size() == 2; }, absl::Seconds(10)));

  leaving->Signal(SIGTERM);
  std::optional<int> exited = leaving->Wait(absl::Seconds(10));
  ASSERT_TRUE(exited.has_value()) << "the worker did not exit within 10 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*exited) && WEXITSTATUS(*exited) == 0);

  // No waiting: the entry is gone by the time the worker has exited.
  e2e::Completed listed = e2e::RunToCompletion(
      {PARLAB_CLI_BIN, "workers", "--coordinator", coordinator->address()}, absl::Seconds(30));
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr(staying->address()));
  EXPECT_THAT(listed.out, Not(HasSubstr(leaving_address)));
  EXPECT_FALSE(FindIn(coordinator->address(), leaving_address).has_value());
  EXPECT_THAT(ReadFile(coordinator_log),
              HasSubstr("event=worker_deregistered worker=" + leaving_address));
  EXPECT_THAT(ReadFile(worker_log), HasSubstr("event=deregistered worker=" + leaving_address));
  std::remove(coordinator_log.c_str());
  std::remove(worker_log.c_str());
}

// A deregistration is bound to its registration like a heartbeat: without the secret it is
// refused and the entry stays; with it, the entry goes, and a second one finds nothing.
TEST(RegistryTest, ADeregistrationWithAWrongSecretIsRefused) {
  Registered pair;
  ASSERT_NO_FATAL_FAILURE(StartRegistered(&pair));
  Daemon* coordinator = pair.coordinator.get();
  Daemon* worker = pair.worker.get();
  auto deregister = [&](const std::string& address, const std::string& secret,
                        v1::DeregisterWorkerResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::DeregisterWorkerRequest request;
    request.set_address(address);
    request.set_secret(secret);
    return CoordinatorStub(coordinator->address())->DeregisterWorker(&context, request, response);
  };

  v1::DeregisterWorkerResponse response;
  grpc::Status spoofed = deregister(worker->address(), "not-the-secret", &response);
  EXPECT_EQ(spoofed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(spoofed.error_message(), HasSubstr("DeregisterWorker for " + worker->address() +
                                                 ": wrong registration secret"));
  grpc::Status empty = deregister(worker->address(), "", &response);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  auto still = FindIn(coordinator->address(), worker->address());
  ASSERT_TRUE(still.has_value()) << "a refused deregistration removed the entry";
  EXPECT_EQ(still->state(), "idle");

  // The owner of a registration (here the test itself, on an open coordinator) removes it.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::RegisterWorkerRequest request;
  request.mutable_description()->set_address("127.0.0.1:1");
  v1::RegisterWorkerResponse registered;
  ASSERT_TRUE(
      CoordinatorStub(coordinator->address())->RegisterWorker(&context, request, &registered).ok());
  ASSERT_TRUE(FindIn(coordinator->address(), "127.0.0.1:1").has_value());
  ASSERT_TRUE(deregister("127.0.0.1:1", registered.heartbeat_secret(), &response).ok());
  EXPECT_TRUE(response.removed());
  EXPECT_FALSE(FindIn(coordinator->address(), "127.0.0.1:1").has_value());
  ASSERT_TRUE(deregister("127.0.0.1:1", registered.heartbeat_secret(), &response).ok());
  EXPECT_FALSE(response.removed());
  EXPECT_TRUE(FindIn(coordinator->address(), worker->address()).has_value());
}

// Shutdown never waits on the coordinator: one that hangs (SIGSTOP: the connection stays up,
// nothing answers) costs at most the deregistration's 1 s deadline, one that is gone nothing.
// Without that deadline the first case would never exit; 4 s is that deadline plus slack for a
// loaded machine, not a speed figure.
TEST(RegistryTest, AStoppedWorkerExitsPromptlyWhenItsCoordinatorHangsOrIsGone) {
  for (const bool hang : {true, false}) {
    SCOPED_TRACE(hang ? "coordinator stopped (SIGSTOP)" : "coordinator killed");
    Registered pair;
    ASSERT_NO_FATAL_FAILURE(StartRegistered(&pair));
    Daemon* coordinator = pair.coordinator.get();
    Daemon* worker = pair.worker.get();
    if (hang) {
      coordinator->Signal(SIGSTOP);
    } else {
      coordinator->Kill();
    }
    const absl::Time stopped = absl::Now();
    worker->Signal(SIGTERM);
    std::optional<int> exited = worker->Wait(absl::Seconds(20));
    const absl::Duration took = absl::Now() - stopped;
    if (hang) coordinator->Signal(SIGCONT);
    ASSERT_TRUE(exited.has_value()) << "the worker hung on its coordinator at shutdown";
    EXPECT_TRUE(WIFEXITED(*exited) && WEXITSTATUS(*exited) == 0);
    // Under a sanitizer the worker's own shutdown (threads joined, leak check) takes seconds
    // more; the 20 s wait above still tells a bounded shutdown from a hang.
    EXPECT_LT(took, parlab::testing::kSanitized ? absl::Seconds(12) : absl::Seconds(4));
  }
}

// A run of the registry's workers leaves a lost one out, and says so: a WorkerLost event naming
// it and why, right after RunStarted, instead of skipping it without a word.
TEST(RegistryTest, ARunNamesTheLostWorkersItSkips) {
  auto coordinator = StartCoordinator({"--heartbeat-timeout", "1"});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  auto alive =
      StartWorker({"--coordinator", coordinator->address(), "--heartbeat-interval", "0.2"});
  auto dead = StartWorker({"--coordinator", coordinator->address(), "--heartbeat-interval", "0.2"});
  ASSERT_TRUE(alive->ok() && dead->ok());
  const std::string dead_address = dead->address();
  ASSERT_TRUE(
      WaitUntil([&] { return Statuses(coordinator->address()).size() == 2; }, absl::Seconds(10)));
  dead->Kill();
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto status = FindIn(coordinator->address(), dead_address);
        return status.has_value() && status->state() == "lost";
      },
      absl::Seconds(10)));

  v1::SubmitRunRequest request;
  *request.mutable_plan() =
      MakePlan("primes.sieve", {{"from", "100"}, {"to", "200"}}, {"sequential"}, {1}, 1);
  Submitted run = Submit(coordinator->address(), request);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_EQ(run.results.size(), 1u);
  EXPECT_EQ(run.results[0].worker_address(), alive->address());
  std::vector<std::string> order;
  const v1::RunEvent* skipped = nullptr;
  for (const ReceivedEvent& received : run.events) {
    if (received.event.has_started()) order.push_back("started");
    if (received.event.has_worker_lost()) {
      order.push_back("lost");
      skipped = &received.event;
    }
  }
  ASSERT_NE(skipped, nullptr) << "the run skipped " << dead_address << " without a word";
  EXPECT_EQ(order, (std::vector<std::string>{"started", "lost"}));
  EXPECT_EQ(skipped->worker_lost().worker(), dead_address);
  EXPECT_THAT(skipped->worker_lost().reason(),
              HasSubstr("skipped by this run: lost before it started (no heartbeat for"));
}

TEST(RegistryTest, AWorkerWaitsForItsCoordinatorAndRegistersWhenItComes) {
  // Nothing listens yet: the worker must keep trying, not exit.
  auto first = StartCoordinator({});
  ASSERT_TRUE(first->ok()) << first->error();
  const std::string address = first->address();
  first->Kill();
  auto worker = StartWorker({"--coordinator", address, "--heartbeat-interval", "0.2"});
  ASSERT_TRUE(worker->ok()) << worker->error();
  absl::SleepFor(absl::Milliseconds(600));
  const std::string port = address.substr(address.rfind(':') + 1);
  auto second = StartCoordinator({"--listen", "127.0.0.1:" + port});
  if (!second->ok()) GTEST_SKIP() << "port " << port << " was taken again: " << second->error();
  EXPECT_TRUE(WaitUntil([&] { return FindIn(second->address(), worker->address()).has_value(); },
                        absl::Seconds(10)));
}

TEST(RegistryTest, SelectPicksLabelledWorkersOrListsTheLabelsSeen) {
  auto coordinator = StartCoordinator({"--heartbeat-timeout", "3"});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  auto a = StartWorker({"--coordinator", coordinator->address(), "--label", "rack=a",
                        "--heartbeat-interval", "0.2"});
  auto b = StartWorker({"--coordinator", coordinator->address(), "--label", "rack=b",
                        "--heartbeat-interval", "0.2"});
  ASSERT_TRUE(a->ok() && b->ok());
  ASSERT_TRUE(
      WaitUntil([&] { return Statuses(coordinator->address()).size() == 2; }, absl::Seconds(10)));

  v1::SubmitRunRequest request;
  *request.mutable_plan() =
      MakePlan("primes.sieve", {{"from", "100"}, {"to", "200"}}, {"sequential"}, {1}, 1);
  (*request.mutable_plan()->mutable_select())["rack"] = "b";
  Submitted run = Submit(coordinator->address(), request);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_EQ(run.results.size(), 1u);
  EXPECT_EQ(run.results[0].worker_address(), b->address());
  EXPECT_EQ(run.results[0].status(), v1::JOB_STATUS_OK) << run.results[0].error();

  (*request.mutable_plan()->mutable_select())["rack"] = "c";
  Submitted none = Submit(coordinator->address(), request);
  EXPECT_EQ(none.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(none.status.error_message(), HasSubstr("plan.select: no worker has rack=c"));
  EXPECT_THAT(none.status.error_message(), HasSubstr(a->address() + " {rack=a}"));
}

TEST(RegistryTest, HostfileAndDnsWorkersAreHealthChecked) {
  auto worker = StartWorker({});
  ASSERT_TRUE(worker->ok()) << worker->error();
  const std::string port = worker->address().substr(worker->address().rfind(':') + 1);
  const std::string hostfile = ::testing::TempDir() + "/parlab-hosts";
  {
    std::ofstream out(hostfile);
    out << "# test workers\n" << worker->address() << "  # the live one\n127.0.0.1:1\n";
  }
  auto coordinator = StartCoordinator(
      {"--hostfile", hostfile, "--workers-dns", "localhost:" + port, "--heartbeat-timeout", "1"});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  std::vector<v1::WorkerStatus> statuses = Statuses(coordinator->address());
  auto live = Find(statuses, worker->address());
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->state(), "idle");
  EXPECT_EQ(live->source(), "hostfile");  // listed twice: the hostfile came first
  auto dead = Find(statuses, "127.0.0.1:1");
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->state(), "lost");

  // DNS alone: localhost resolves to 127.0.0.1 (and maybe ::1, where nothing listens).
  auto by_dns =
      StartCoordinator({"--workers-dns", "localhost:" + port, "--heartbeat-timeout", "1"});
  ASSERT_TRUE(by_dns->ok()) << by_dns->error();
  auto resolved = Find(Statuses(by_dns->address()), "127.0.0.1:" + port);
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->source(), "dns");
  EXPECT_EQ(resolved->state(), "idle");
  // A run without workers goes to the live ones only.
  v1::SubmitRunRequest request;
  *request.mutable_plan() =
      MakePlan("primes.sieve", {{"from", "100"}, {"to", "200"}}, {"sequential"}, {1}, 1);
  Submitted run = Submit(by_dns->address(), request);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_EQ(run.results.size(), 1u);
  EXPECT_EQ(run.results[0].worker_address(), "127.0.0.1:" + port);
}

}  // namespace
}  // namespace parlab::scheduling
