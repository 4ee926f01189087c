// RunJob in-process through the C test plugins: the event sequence, the sample contents, job
// validation, the completion check, and cancellation.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "parlab/runner/cancel.h"
#include "parlab/runner/host_job.h"
#include "test_util.h"

namespace parlab::runner {
namespace {

TEST(JobRunner, SieveJobReportsProgressSamplesAndDone) {
  Collected run = RunInProcess(MakeJob("primes.sieve", {{"from", "1000"}, {"to", "1300"}},
                                       /*concurrency=*/1, /*repetitions=*/2, /*warmup=*/1),
                               TestPlugin("probe"));
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error();
  ASSERT_EQ(run.events.size(), 7u);
  const std::vector<std::pair<std::string, int>> expected_progress = {
      {"warmup", 0}, {"measure", 0}, {"measure", 1}};
  for (int i = 0; i < 3; ++i) {
    const v1::RunnerEvent& progress = run.events[2 * i];
    ASSERT_TRUE(progress.has_progress()) << progress.ShortDebugString();
    EXPECT_EQ(progress.progress().phase(), expected_progress[i].first);
    EXPECT_EQ(progress.progress().repetition(), expected_progress[i].second);
    EXPECT_EQ(progress.progress().repetitions(), i == 0 ? 1 : 2);
    const v1::RunnerEvent& sample = run.events[2 * i + 1];
    ASSERT_TRUE(sample.has_sample()) << sample.ShortDebugString();
    EXPECT_EQ(sample.sample().warmup(), i == 0);
    EXPECT_EQ(sample.sample().index(), expected_progress[i].second);
    EXPECT_EQ(sample.sample().tasks(), 300u);
    EXPECT_GT(sample.sample().wall_ns(), 0);
    EXPECT_GE(sample.sample().user_ns(), 0);
    EXPECT_GT(sample.sample().max_rss_kib(), 0);
  }
  EXPECT_TRUE(run.events.back().done());
}

TEST(JobRunner, SleepJobWaitsThroughBothTaskForms) {
  Collected run =
      RunInProcess(MakeJob("sleep", {{"tasks", "6"}, {"ms", "5"}}), TestPlugin("probe"));
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error();
  ASSERT_EQ(run.samples().size(), 1u);
  EXPECT_EQ(run.samples()[0].tasks(), 6u);
  EXPECT_GE(run.samples()[0].wall_ns(), 30'000'000);        // 6 sequential waits of 5 ms
  EXPECT_GT(run.samples()[0].voluntary_ctx_switches(), 0);  // sleeping yields the CPU
}

struct BadJob {
  v1::Job job;
  std::string error;
};

TEST(JobRunner, InvalidJobsAreRefusedNamingTheField) {
  std::vector<BadJob> cases = {
      {MakeJob("sleep", {}, 0), "job.concurrency: must be >= 1, got 0"},
      {MakeJob("sleep", {}, 1, 0), "job.repetitions: must be >= 1, got 0"},
      {MakeJob("sleep", {}, 1, 1, -1), "job.warmup: must be >= 0, got -1"},
      {MakeJob("x", {}),
       "plan.workload.kind: unknown workload \"x\" (known: " + KnownWorkloadKinds() + ")"},
      {MakeJob("primes.sieve", {{"to", "abc"}}),
       "plan.workload.params.to: must be an integer, got \"abc\""},
  };
  v1::Job wrong_model = MakeJob("sleep", {});
  wrong_model.set_model("threads");
  cases.push_back(
      {wrong_model, "job.model: the plugin is model \"runner_test_probe\", got \"threads\""});
  for (const BadJob& bad : cases) {
    Collected run = RunInProcess(bad.job, TestPlugin("probe"));
    EXPECT_EQ(run.outcome, JobOutcome::kFailed);
    ASSERT_EQ(run.events.size(), 1u) << bad.error;  // nothing ran: no progress, no sample
    EXPECT_EQ(run.events[0].error(), bad.error);
  }
}

TEST(JobRunner, ModelThatSkipsATaskFailsInsteadOfTiming) {
  Collected run =
      RunInProcess(MakeJob("primes.sieve", {{"from", "1000"}, {"to", "1300"}}), TestPlugin("liar"));
  EXPECT_EQ(run.outcome, JobOutcome::kFailed);
  EXPECT_TRUE(run.samples().empty());
  EXPECT_EQ(run.error(),
            "model runner_test_liar: run() returned OK but 299 task completions were verified, "
            "expected 300");
}

TEST(JobRunner, CancelBeforeStartReportsCancelled) {
  RequestCancel();
  Collected run = RunInProcess(MakeJob("sleep", {{"tasks", "1"}}), TestPlugin("probe"));
  ResetCancel();
  EXPECT_EQ(run.outcome, JobOutcome::kCancelled);
  EXPECT_EQ(run.error(), "cancelled");
  EXPECT_TRUE(run.samples().empty());
}

TEST(JobRunner, CancelDuringRunStopsTheModel) {
  std::thread canceller([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RequestCancel();
  });
  const auto start = std::chrono::steady_clock::now();
  // 1000 tasks x 10 ms would take 10 s; cancellation must cut it short.
  Collected run =
      RunInProcess(MakeJob("sleep", {{"tasks", "1000"}, {"ms", "10"}}), TestPlugin("probe"));
  canceller.join();
  ResetCancel();
  EXPECT_EQ(run.outcome, JobOutcome::kCancelled);
  EXPECT_EQ(run.error(), "cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HostJob, CopyErrorTruncatesAtACharacterBoundary) {
  parlab_error_t error;
  // 510 ASCII bytes, then a 3-byte character that does not fit in the 511 available.
  const std::string message = std::string(510, 'a') + "\xE2\x82\xAC" + "tail";
  CopyError(message, &error);
  EXPECT_EQ(std::string(error.message), std::string(510, 'a'));
  CopyError("short", &error);
  EXPECT_STREQ(error.message, "short");
}

}  // namespace
}  // namespace parlab::runner
