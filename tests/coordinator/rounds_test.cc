// The one round loop of broadcast and shard mode, with a fake runner: rounds and their order,
// partial results after every round for every member (shards included), members that fail
// stopping alone, grouped order, and cancellation.
#include "parlab/coordinator/rounds.h"

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::coordinator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::Plan Plan(int repetitions, v1::RepetitionOrder order = v1::REPETITION_ORDER_INTERLEAVED) {
  v1::Plan plan;
  plan.set_repetitions(repetitions);
  plan.set_order(order);
  return plan;
}

v1::Job Job(const std::string& id, int repetitions = 1) {
  v1::Job job;
  job.set_job_id(id);
  job.set_model("threads");
  job.set_concurrency(2);
  job.set_repetitions(repetitions);
  return job;
}

// A worker that answers every job with one warm-up and `job.repetitions()` measured samples of
// `wall_ns`, and fails the jobs whose id is in `fail`.
struct FakeWorkers {
  absl::Mutex mutex;
  std::vector<std::string> ran;  // job ids in the order they ran
  std::vector<v1::JobResult> partials;
  std::vector<std::vector<v1::JobResult>> done;
  std::map<std::string, std::string> fail;  // job id -> error
  int64_t wall_ns = 1000;
  bool noisy = false;  // walls 1x, 2x, 3x the base in turn: a CV far above any target

  RoundHooks Hooks() {
    RoundHooks hooks;
    hooks.run = [this](size_t worker, const v1::Job& job, const RoundInfo* round) {
      v1::JobResult result;
      result.set_job_id(job.job_id());
      result.set_worker_address(std::to_string(worker));
      v1::Sample warmup;
      warmup.set_warmup(true);
      *result.add_samples() = warmup;
      absl::MutexLock lock(&mutex);
      for (int i = 0; i < job.repetitions(); ++i) {
        v1::Sample sample;
        sample.set_index(i);
        sample.set_wall_ns(noisy ? wall_ns * static_cast<int64_t>(ran.size() % 3 + 1) : wall_ns);
        *result.add_samples() = sample;
      }
      ran.push_back(job.job_id());
      auto failing = fail.find(job.job_id());
      result.set_status(failing == fail.end() ? v1::JOB_STATUS_OK : v1::JOB_STATUS_FAILED);
      if (failing != fail.end()) result.set_error(failing->second);
      return result;
    };
    hooks.shell = [](size_t worker, const v1::Job& job) {
      v1::JobResult shell;
      shell.set_job_id(job.job_id());
      shell.set_worker_address(std::to_string(worker));
      return shell;
    };
    hooks.partial = [this](const v1::JobResult& partial) {
      absl::MutexLock lock(&mutex);
      partials.push_back(partial);
    };
    hooks.done = [this](const std::vector<v1::JobResult>& results) {
      absl::MutexLock lock(&mutex);
      done.push_back(results);
    };
    return hooks;
  }
};

int Measured(const v1::JobResult& result) {
  int measured = 0;
  for (const v1::Sample& sample : result.samples()) measured += sample.warmup() ? 0 : 1;
  return measured;
}

TEST(RoundsTest, InterleavedRunsEveryGroupOncePerRoundWithOneMeasuredRepetition) {
  FakeWorkers fake;
  std::vector<JobGroup> groups = {{.members = {{0, Job("a", 3)}}}, {.members = {{0, Job("b", 3)}}}};
  auto merged = RunRounds(Plan(3), groups, nullptr, fake.Hooks());
  ASSERT_EQ(merged.size(), 2u);
  for (const auto& group : merged) {
    ASSERT_EQ(group.size(), 1u);
    EXPECT_EQ(group[0].status(), v1::JOB_STATUS_OK) << group[0].error();
    EXPECT_EQ(Measured(group[0]), 3);
    std::vector<int> indices;
    for (const v1::Sample& sample : group[0].samples()) {
      if (!sample.warmup()) indices.push_back(sample.index());
    }
    EXPECT_THAT(indices, ElementsAre(0, 1, 2));  // numbered by round
  }
  EXPECT_EQ(fake.ran.size(), 6u);
  EXPECT_EQ(fake.ran[0].substr(1), "#1");  // round 1 first, whatever the shuffled order
  EXPECT_EQ(fake.ran[5].substr(1), "#3");
  ASSERT_EQ(fake.partials.size(), 6u);  // one snapshot per member per round
  EXPECT_EQ(fake.partials[0].status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_THAT(fake.partials[0].error(), HasSubstr("partial: 1 measured repetitions of 1 rounds"));
  EXPECT_EQ(fake.done.size(), 2u);
}

TEST(RoundsTest, ShardMembersRunTogetherAndAFailedShardStopsAlone) {
  FakeWorkers fake;
  fake.fail["j/shard1#2"] = "runner crashed";
  std::vector<JobGroup> groups = {{.members = {{0, Job("j/shard0", 3)}, {1, Job("j/shard1", 3)}}}};
  auto merged = RunRounds(Plan(3), groups, nullptr, fake.Hooks());
  ASSERT_EQ(merged.size(), 1u);
  ASSERT_EQ(merged[0].size(), 2u);
  EXPECT_EQ(merged[0][0].status(), v1::JOB_STATUS_OK) << merged[0][0].error();
  EXPECT_EQ(Measured(merged[0][0]), 3);
  EXPECT_EQ(merged[0][1].status(), v1::JOB_STATUS_FAILED);
  EXPECT_EQ(merged[0][1].error(), "repetition 2: runner crashed");
  EXPECT_EQ(Measured(merged[0][1]), 2);  // what it measured before is kept
  EXPECT_EQ(fake.ran.size(), 5u);        // shard 1 is not run in round 3
  // Every shard's partial result reaches the store after every round it ran.
  EXPECT_EQ(fake.partials.size(), 5u);
}

TEST(RoundsTest, GroupedRunsEveryRepetitionInOneRunnerAndSkipsWhatCannotRun) {
  FakeWorkers fake;
  std::vector<JobGroup> groups = {{.members = {{0, Job("a", 4)}}},
                                  {.members = {{0, Job("b", 4)}}, .skip_reason = "too many"}};
  auto merged = RunRounds(Plan(4, v1::REPETITION_ORDER_GROUPED), groups, nullptr, fake.Hooks());
  EXPECT_THAT(fake.ran, ElementsAre("a"));
  EXPECT_EQ(Measured(merged[0][0]), 4);
  EXPECT_EQ(merged[1][0].status(), v1::JOB_STATUS_FAILED);
  EXPECT_EQ(merged[1][0].error(), "too many");
  EXPECT_TRUE(fake.partials.empty());
  EXPECT_EQ(fake.done.size(), 2u);
}

TEST(RoundsTest, ACancelledRunRunsNothingMoreAndSaysSo) {
  FakeWorkers fake;
  cluster::RunCanceller canceller;
  canceller.Cancel();
  std::vector<JobGroup> groups = {{.members = {{0, Job("a", 2)}}}};
  auto interleaved = RunRounds(Plan(2), groups, &canceller, fake.Hooks());
  EXPECT_EQ(interleaved[0][0].status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_EQ(interleaved[0][0].error(), "cancelled after 0 of 2 repetitions");
  auto grouped = RunRounds(Plan(2, v1::REPETITION_ORDER_GROUPED), groups, &canceller, fake.Hooks());
  EXPECT_EQ(grouped[0][0].status(), v1::JOB_STATUS_CANCELLED);
  EXPECT_EQ(grouped[0][0].error(), "cancelled before it started");
  EXPECT_TRUE(fake.ran.empty());
}

TEST(RoundsTest, AutoRepeatFollowsTheSlowestShardOfAGroup) {
  FakeWorkers fake;
  v1::Plan plan = Plan(2);
  plan.set_target_cv(0.01);
  plan.set_max_repetitions(5);
  // Every wall is the same: the CV is 0 after the plan's two rounds, so the group stops there.
  std::vector<JobGroup> groups = {{.members = {{0, Job("s0", 2)}, {1, Job("s1", 2)}}}};
  auto merged = RunRounds(plan, groups, nullptr, fake.Hooks());
  EXPECT_EQ(Measured(merged[0][0]), 2);
  EXPECT_EQ(Measured(merged[0][1]), 2);
  EXPECT_EQ(merged[0][0].status(), v1::JOB_STATUS_OK) << merged[0][0].error();

  // Noisy walls: more rounds, up to max_repetitions, for both shards together.
  FakeWorkers noisy;
  noisy.noisy = true;
  merged = RunRounds(plan, groups, nullptr, noisy.Hooks());
  EXPECT_EQ(Measured(merged[0][0]), 5);
  EXPECT_EQ(Measured(merged[0][1]), 5);
  EXPECT_EQ(merged[0][1].status(), v1::JOB_STATUS_OK) << merged[0][1].error();
}

}  // namespace
}  // namespace parlab::coordinator
