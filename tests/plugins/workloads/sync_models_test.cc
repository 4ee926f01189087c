// counter, queue and spawn through real model plugins, in-process via the runner library:
// exact totals under thread and process models, the private-memory counter, the queue across
// threads, processes and coroutines, its rejection, and spawn's metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "parlab/runner/job_runner.h"
#include "parlab/runner/plugin_loader.h"
#include "support/sanitized.h"

namespace parlab::runner {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  JobOutcome outcome = JobOutcome::kFailed;
  std::string error;
  std::vector<v1::Sample> samples;
};

Outcome RunModel(const std::string& model, const std::string& kind,
                 const std::map<std::string, std::string>& params, int concurrency) {
  Outcome out;
  absl::StatusOr<Plugin> plugin = LoadPlugin(std::string(PARLAB_PLUGIN_DIR) + "/" + model + ".so");
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  if (!plugin.ok()) return out;
  v1::Job job;
  job.set_job_id("sync-test");
  job.mutable_workload()->set_kind(kind);
  for (const auto& [name, value] : params)
    (*job.mutable_workload()->mutable_params())[name] = value;
  job.set_concurrency(concurrency);
  job.set_repetitions(2);  // the second repetition proves the per-repetition reset
  job.set_warmup(0);
  out.outcome = RunJob(job, *plugin, [&](const v1::RunnerEvent& e) {
    if (e.has_sample()) out.samples.push_back(e.sample());
    if (e.has_error()) out.error = e.error();
  });
  return out;
}

double Metric(const v1::Sample& sample, const std::string& name) {
  auto it = sample.metrics().find(name);
  EXPECT_NE(it, sample.metrics().end()) << "no metric " << name;
  return it == sample.metrics().end() ? -1 : it->second;
}

const std::vector<std::string> kThreadModels = {"threads", "thread_pool"};
const std::vector<std::string> kProcessModels = {"processes", "process_pool"};

class CounterExact : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(CounterExact, TotalIsExact) {
  const auto& [model, strategy] = GetParam();
  Outcome run = RunModel(model, "counter",
                         {{"tasks", "4"}, {"increments", "20000"}, {"strategy", strategy}}, 4);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  ASSERT_EQ(run.samples.size(), 2u);
  for (const v1::Sample& s : run.samples) EXPECT_EQ(Metric(s, "total"), 80000);
}

INSTANTIATE_TEST_SUITE_P(
    Models, CounterExact,
    ::testing::Combine(::testing::Values("threads", "thread_pool", "processes", "process_pool"),
                       ::testing::Values("mutex", "recursive_mutex", "atomic")),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

TEST(Counter, TryLockAccountsForEveryAttempt) {
  for (const std::string model : {"threads", "processes"}) {
    Outcome run = RunModel(model, "counter",
                           {{"tasks", "4"}, {"increments", "20000"}, {"strategy", "try_lock"}}, 4);
    ASSERT_EQ(run.outcome, JobOutcome::kDone) << model << ": " << run.error;
    for (const v1::Sample& s : run.samples) {
      EXPECT_EQ(Metric(s, "total") + Metric(s, "skipped"), 80000) << model;
    }
  }
}

TEST(Counter, RaceReportsLostUpdatesWithinBounds) {
  Outcome run = RunModel("threads", "counter",
                         {{"tasks", "4"}, {"increments", "20000"}, {"strategy", "none"}}, 4);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  for (const v1::Sample& s : run.samples) {
    EXPECT_EQ(Metric(s, "total") + Metric(s, "lost_updates"), 80000);
    EXPECT_GE(Metric(s, "lost_updates"), 0);
  }
}

TEST(Counter, PrivateMemoryIsSharedByThreadsButNotByProcesses) {
  const std::map<std::string, std::string> params = {
      {"tasks", "4"}, {"increments", "1000"}, {"shared", "false"}};
  for (const std::string& model : kThreadModels) {
    Outcome run = RunModel(model, "counter", params, 4);
    ASSERT_EQ(run.outcome, JobOutcome::kDone) << model << ": " << run.error;
    for (const v1::Sample& s : run.samples) EXPECT_EQ(Metric(s, "parent_total"), 4000) << model;
  }
  for (const std::string& model : kProcessModels) {
    Outcome run = RunModel(model, "counter", params, 4);
    ASSERT_EQ(run.outcome, JobOutcome::kDone) << model << ": " << run.error;
    for (const v1::Sample& s : run.samples) EXPECT_EQ(Metric(s, "parent_total"), 0) << model;
  }
}

class QueueModels : public ::testing::TestWithParam<std::string> {};

TEST_P(QueueModels, PassesEveryItemOnce) {
  // More items than a pipe holds, two producers and two consumers.
  Outcome run = RunModel(GetParam(), "queue",
                         {{"items", "30000"}, {"producers", "2"}, {"consumers", "2"}}, 4);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  ASSERT_EQ(run.samples.size(), 2u);
  for (const v1::Sample& s : run.samples) {
    EXPECT_EQ(Metric(s, "items"), 30000);
    EXPECT_GT(Metric(s, "items_per_s"), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, QueueModels,
                         ::testing::Values("thread_pool", "process_pool", "coroutines"),
                         [](const auto& info) { return info.param; });

TEST(Queue, RejectedUnderSequential) {
  Outcome run = RunModel("sequential", "queue", {{"items", "100"}}, 1);
  EXPECT_EQ(run.outcome, JobOutcome::kFailed);
  EXPECT_THAT(run.error, HasSubstr("queue cannot run under sequential: producers and consumers "
                                   "must run concurrently"));
  EXPECT_TRUE(run.samples.empty());
}

TEST(Queue, RejectedBelowProducersPlusConsumers) {
  Outcome run = RunModel("thread_pool", "queue", {{"items", "100"}}, 1);
  EXPECT_EQ(run.outcome, JobOutcome::kFailed);
  EXPECT_THAT(run.error, HasSubstr("queue needs concurrency >= producers + consumers (2) under "
                                   "model thread_pool, got 1"));
}

class SpawnModels : public ::testing::TestWithParam<std::string> {};

TEST_P(SpawnModels, ReportsCreationAndJoinTimes) {
  Outcome run = RunModel(GetParam(), "spawn", {{"units", "8"}, {"hold_ms", "20"}}, 8);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  for (const v1::Sample& s : run.samples) {
    EXPECT_GT(Metric(s, "create_us_per_unit"), 0);
    EXPECT_GE(Metric(s, "first_start_us"), 0);
    EXPECT_GE(Metric(s, "last_start_us"), Metric(s, "first_start_us"));
    EXPECT_GE(Metric(s, "join_us"), 0);
    // The units overlapped: less than 8 holds.
    if (!parlab::testing::kSanitized) {
      EXPECT_LT(s.wall_ns(), 8 * 20'000'000);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SpawnModels,
                         ::testing::Values("threads", "processes", "coroutines", "fibers"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parlab::runner
