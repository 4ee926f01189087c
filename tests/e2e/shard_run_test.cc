// Scheduling against real daemons: shard mode covers every task exactly once, a worker killed
// mid-run (SIGKILL) or gone silent (SIGSTOP: the TCP connection stays open, like a cut link)
// fails its job with the reason within the timeout while the other worker's results stay and
// the lost shard is re-run, and two runs on one worker never overlap.
#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cluster_harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/shard.h"
#include "parlab/results/aggregate.h"
#include "parlab/results/cluster_rows.h"

namespace parlab::scheduling {
namespace {

using ::testing::HasSubstr;

uint64_t MeasuredTasks(const v1::JobResult& result, int index) {
  for (const v1::Sample& sample : result.samples()) {
    if (!sample.warmup() && sample.index() == index) return sample.tasks();
  }
  return 0;
}

TEST(ShardRunTest, ThreeWorkersCoverEveryTaskOnce) {
  auto coordinator = StartCoordinator({});
  ASSERT_TRUE(coordinator->ok()) << coordinator->error();
  std::vector<std::unique_ptr<Daemon>> workers;
  v1::SubmitRunRequest request;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(StartWorker({}));
    ASSERT_TRUE(workers.back()->ok()) << workers.back()->error();
    request.add_workers(workers.back()->address());
  }
  // 100 tasks (`to` is exclusive): 34 + 33 + 33.
  *request.mutable_plan() = MakePlan("primes.sieve", {{"from", "1000"}, {"to", "1100"}},
                                     {"sequential", "threads"}, {2}, 2);
  request.mutable_plan()->set_mode(v1::RUN_MODE_SHARD);
  Submitted run = Submit(coordinator->address(), request);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_TRUE(run.finished);
  ASSERT_EQ(run.results.size(), 6u);  // 2 jobs x 3 shards

  std::map<std::string, std::set<int>> shards_by_model;
  std::map<std::string, std::set<std::string>> workers_by_model;
  std::map<std::pair<std::string, int>, uint64_t> tasks;  // model, repetition
  for (const v1::JobResult& result : run.results) {
    EXPECT_EQ(result.status(), v1::JOB_STATUS_OK) << result.error();
    EXPECT_EQ(result.shard_count(), 3);
    EXPECT_FALSE(result.rerun());
    shards_by_model[result.model()].insert(result.shard_index());
    workers_by_model[result.model()].insert(result.worker_address());
    for (int rep = 0; rep < 2; ++rep) tasks[{result.model(), rep}] += MeasuredTasks(result, rep);
  }
  for (const std::string model : {"sequential", "threads"}) {
    EXPECT_EQ(shards_by_model[model], (std::set<int>{0, 1, 2}));
    EXPECT_EQ(workers_by_model[model].size(), 3u);
    for (int rep = 0; rep < 2; ++rep) EXPECT_EQ((tasks[{model, rep}]), 100u) << model << rep;
  }

  std::vector<v1::WorkerDescription> described;
  for (const ReceivedEvent& received : run.events) {
    if (received.event.has_worker()) described.push_back(received.event.worker());
  }
  std::vector<results::ResultRow> rows = results::Aggregate(request.plan(), described, run.results);
  int cluster_rows = 0;
  for (const results::ResultRow& row : rows) {
    if (row.worker != results::kClusterWorker) continue;
    ++cluster_rows;
    ASSERT_TRUE(row.aggregates.has_value()) << row.error;
    EXPECT_EQ(row.aggregates->measured_samples, 2);
    EXPECT_GT(*row.aggregates->tasks_per_s, 0);
  }
  EXPECT_EQ(cluster_rows, 2);
}

// A sleep plan whose shard jobs each take about a second, long enough to lose a worker in.
v1::SubmitRunRequest SleepShardPlan(const std::vector<std::string>& workers) {
  v1::SubmitRunRequest request;
  *request.mutable_plan() =
      MakePlan("sleep", {{"tasks", "20"}, {"ms", "100"}}, {"sequential"}, {1}, 2);
  request.mutable_plan()->set_mode(v1::RUN_MODE_SHARD);
  for (const std::string& worker : workers) request.add_workers(worker);
  return request;
}

TEST(ShardRunTest, AKilledWorkersShardFailsWithTheReasonAndIsReRunElsewhere) {
  auto coordinator = StartCoordinator({"--heartbeat-timeout", "2"});
  auto a = StartWorker({});
  auto b = StartWorker({});
  ASSERT_TRUE(coordinator->ok() && a->ok() && b->ok());
  std::atomic<bool> killed{false};
  std::thread killer;
  const absl::Time start = absl::Now();
  // 300 ms into b's first job, b dies.
  auto kill_b_mid_job = [&](const v1::RunEvent& event) {
    if (event.has_job_started() && event.job_started().worker() == b->address() &&
        !killed.exchange(true)) {
      killer = std::thread([&] {
        absl::SleepFor(absl::Milliseconds(300));
        b->Kill();
      });
    }
  };
  Submitted run =
      Submit(coordinator->address(), SleepShardPlan({a->address(), b->address()}), kill_b_mid_job);
  if (killer.joinable()) killer.join();
  ASSERT_TRUE(killed);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_TRUE(run.finished);
  EXPECT_LT(absl::Now() - start, absl::Seconds(60));

  int lost_events = 0;
  for (const ReceivedEvent& received : run.events) {
    if (!received.event.has_worker_lost()) continue;
    ++lost_events;
    EXPECT_EQ(received.event.worker_lost().worker(), b->address());
  }
  EXPECT_EQ(lost_events, 1);
  ASSERT_EQ(run.results.size(), 3u);  // shard 0 on a, shard 1 on b (lost), its re-run on a
  const v1::JobResult& kept = run.results[0];
  EXPECT_EQ(kept.worker_address(), a->address());
  EXPECT_EQ(kept.status(), v1::JOB_STATUS_OK) << kept.error();
  const v1::JobResult& lost = run.results[1];
  EXPECT_EQ(lost.worker_address(), b->address());
  EXPECT_EQ(lost.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(lost.error(), HasSubstr("worker " + b->address() + " lost"));
  const v1::JobResult& rerun = run.results[2];
  EXPECT_TRUE(rerun.rerun());
  EXPECT_EQ(rerun.shard_index(), lost.shard_index());
  EXPECT_EQ(rerun.worker_address(), a->address());
  EXPECT_EQ(rerun.status(), v1::JOB_STATUS_OK) << rerun.error();
  EXPECT_EQ(MeasuredTasks(kept, 0) + MeasuredTasks(rerun, 0), 20u);
}

TEST(ShardRunTest, ASilentWorkerIsLostWithinTheTimeoutAndTheRunEnds) {
  auto coordinator = StartCoordinator({"--heartbeat-timeout", "2"});
  auto a = StartWorker({});
  auto b = StartWorker({});
  ASSERT_TRUE(coordinator->ok() && a->ok() && b->ok());
  v1::SubmitRunRequest request = SleepShardPlan({a->address(), b->address()});
  request.mutable_plan()->set_mode(v1::RUN_MODE_BROADCAST);
  std::atomic<bool> stopped{false};
  absl::Time stopped_at;
  absl::Time lost_at;
  Submitted run = Submit(coordinator->address(), request, [&](const v1::RunEvent& event) {
    if (event.has_job_started() && event.job_started().worker() == b->address() &&
        !stopped.exchange(true)) {
      // Freezes the daemon and its runner: the connection stays open, nothing answers.
      kill(-b->pid(), SIGSTOP);
      stopped_at = absl::Now();
    }
    if (event.has_worker_lost()) lost_at = absl::Now();
  });
  b->Kill();
  ASSERT_TRUE(stopped);
  ASSERT_TRUE(run.status.ok()) << run.status.error_message();
  ASSERT_TRUE(run.finished);
  // 2 s timeout plus a ping interval, with slack for a loaded machine.
  EXPECT_LT(lost_at - stopped_at, absl::Seconds(2 + 4));
  ASSERT_EQ(run.results.size(), 2u);
  for (const v1::JobResult& result : run.results) {
    if (result.worker_address() == a->address()) {
      EXPECT_EQ(result.status(), v1::JOB_STATUS_OK) << result.error();
    } else {
      EXPECT_EQ(result.status(), v1::JOB_STATUS_FAILED);
      EXPECT_THAT(result.error(), HasSubstr("worker " + b->address() + " lost: no answer for 2 s"));
    }
  }
}

TEST(ShardRunTest, TwoRunsOnOneWorkerNeverOverlap) {
  auto coordinator = StartCoordinator({});
  auto worker = StartWorker({});
  ASSERT_TRUE(coordinator->ok() && worker->ok());
  v1::SubmitRunRequest request;
  *request.mutable_plan() =
      MakePlan("sleep", {{"tasks", "4"}, {"ms", "100"}}, {"sequential", "threads"}, {2}, 1);
  request.mutable_plan()->set_order(v1::REPETITION_ORDER_GROUPED);
  request.add_workers(worker->address());

  // Each job's span as the client sees it: from its job_started to its job_result.
  struct Span {
    int run;
    absl::Time start;
    absl::Time end;
  };
  absl::Mutex mutex;
  std::vector<Span> spans;
  std::vector<Submitted> runs(2);
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      absl::Time started;
      runs[r] = Submit(coordinator->address(), request, [&](const v1::RunEvent& event) {
        if (event.has_job_started()) started = absl::Now();
        if (event.has_job_result()) {
          absl::MutexLock lock(&mutex);
          spans.push_back({r, started, absl::Now()});
        }
      });
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Submitted& run : runs) {
    ASSERT_TRUE(run.status.ok()) << run.status.error_message();
    for (const v1::JobResult& result : run.results) {
      EXPECT_EQ(result.status(), v1::JOB_STATUS_OK) << result.error();
    }
  }
  ASSERT_EQ(spans.size(), 4u);
  // Side by side, two jobs of 200-400 ms would share most of their spans; queued, they share
  // at most the instant between one's end and the next one's start.
  for (const Span& x : spans) {
    for (const Span& y : spans) {
      if (x.run == y.run) continue;
      const absl::Duration shared = std::min(x.end, y.end) - std::max(x.start, y.start);
      EXPECT_LT(shared, absl::Milliseconds(100));
    }
  }
}

}  // namespace
}  // namespace parlab::scheduling
