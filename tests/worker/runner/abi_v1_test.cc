// ABI compatibility: a plugin built against the frozen version-1 layout (plugins/abi_v1.c: an
// entry that ends after `run`, a job without bind_unit) still loads, runs real jobs, and has
// its concurrency bound read as the documented default instead of past the end of its entry.
#include <gtest/gtest.h>

#include "parlab/runner/host_job.h"
#include "test_util.h"

namespace parlab::runner {
namespace {

TEST(AbiV1, TheRunnerStillSupportsVersion1) {
  EXPECT_EQ(kMinAbiVersion, 1u);
  EXPECT_EQ(kMaxAbiVersion, 2u);
  EXPECT_EQ(kConcurrencyBoundsSince, 2u);
}

TEST(AbiV1, LoadsAndReadsItsBoundAsTasks) {
  absl::StatusOr<Plugin> plugin = LoadPlugin(TestPlugin("abi_v1"));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_EQ(plugin->entry->abi_version, 1u);
  EXPECT_STREQ(plugin->entry->name, "runner_test_abi_v1");
  // The word after the v1 entry is PARLAB_BOUNDS_THREADS: only the accessor's default says tasks.
  EXPECT_EQ(ConcurrencyBoundsOf(*plugin->entry), static_cast<uint32_t>(PARLAB_BOUNDS_TASKS));
  const v1::ModelInfo info = DescribeModel(*plugin);
  EXPECT_EQ(info.abi_version(), 1u);
  EXPECT_EQ(info.concurrency_bounds(), "tasks");
}

TEST(AbiV1, RunsAJobThroughBothTaskForms) {
  // Even tasks through run_task(), odd ones through step_task(): every v1 callback is used.
  Collected sleep =
      RunInProcess(MakeJob("sleep", {{"tasks", "4"}, {"ms", "2"}}, 1, 2), TestPlugin("abi_v1"));
  ASSERT_EQ(sleep.outcome, JobOutcome::kDone) << sleep.error();
  ASSERT_EQ(sleep.samples().size(), 2u);
  for (const v1::Sample& sample : sleep.samples()) EXPECT_EQ(sample.tasks(), 4u);

  Collected sieve = RunInProcess(MakeJob("primes.sieve", {{"from", "1000"}, {"to", "1200"}}),
                                 TestPlugin("abi_v1"));
  ASSERT_EQ(sieve.outcome, JobOutcome::kDone) << sieve.error();
  ASSERT_EQ(sieve.samples().size(), 1u);
  EXPECT_EQ(sieve.samples()[0].tasks(), 200u);
}

TEST(AbiV1, TheHostFillsEveryJobFieldWhateverThePluginVersion) {
  // The runner allocates the job at the newest version: a v1 plugin sees a prefix of it, and a
  // v2 plugin may call bind_unit (and log) without checking for NULL.
  absl::StatusOr<std::unique_ptr<workloads::Workload>> workload =
      workloads::CreateWorkload(MakeJob("sleep", {{"tasks", "1"}, {"ms", "0"}}).workload());
  ASSERT_TRUE(workload.ok()) << workload.status();
  ASSERT_TRUE((*workload)->Prepare().ok());
  absl::StatusOr<std::unique_ptr<HostJob>> host = HostJob::Create(**workload, 1, "any");
  ASSERT_TRUE(host.ok()) << host.status();
  const parlab_job_t* job = (*host)->job();
  EXPECT_NE(job->run_task, nullptr);
  EXPECT_NE(job->step_task, nullptr);
  EXPECT_NE(job->is_cancelled, nullptr);
  EXPECT_NE(job->log, nullptr);
  EXPECT_NE(job->bind_unit, nullptr);
  job->bind_unit(job, 0);  // no placement: a no-op, never a crash
}

}  // namespace
}  // namespace parlab::runner
