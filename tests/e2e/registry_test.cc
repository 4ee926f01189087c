// Discovery against real daemons: self-registration and heartbeats (idle, then lost within
// the timeout after SIGKILL), labels and selection, a hostfile, and DNS ("localhost:PORT").
#include <fstream>

#include "absl/time/clock.h"
#include "cluster_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::scheduling {
namespace {

using ::testing::HasSubstr;

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
