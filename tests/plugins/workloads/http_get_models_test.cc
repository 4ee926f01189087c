// http.get through real model plugins, in-process via the runner library: 20 GETs against a
// server that delays each answer 100 ms take 2 s one after another, so finishing well under
// that proves the requests overlapped — on ONE thread for coroutines (stepped: the task hands
// its socket to the model), on 20 threads for threads (blocking poll()).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parlab/runner/job_runner.h"
#include "parlab/runner/plugin_loader.h"

namespace parlab::runner {
namespace {

constexpr int kRequests = 20;
constexpr int64_t kDelayNs = 100'000'000;

class HttpGetOverlap : public ::testing::TestWithParam<std::string> {};

TEST_P(HttpGetOverlap, TwentyDelayedGetsOverlap) {
  absl::StatusOr<Plugin> plugin =
      LoadPlugin(std::string(PARLAB_PLUGIN_DIR) + "/" + GetParam() + ".so");
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  v1::Job job;
  job.set_job_id("http-overlap");
  job.mutable_workload()->set_kind("http.get");
  (*job.mutable_workload()->mutable_params())["requests"] = std::to_string(kRequests);
  (*job.mutable_workload()->mutable_params())["delay_ms"] = std::to_string(kDelayNs / 1'000'000);
  job.set_concurrency(kRequests);
  job.set_repetitions(1);
  job.set_warmup(0);

  std::vector<v1::RunnerEvent> events;
  const JobOutcome outcome =
      RunJob(job, *plugin, [&](const v1::RunnerEvent& e) { events.push_back(e); });
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(outcome, JobOutcome::kDone) << events.back().error();
  const v1::Sample* sample = nullptr;
  for (const v1::RunnerEvent& e : events) {
    if (e.has_sample()) sample = &e.sample();
  }
  ASSERT_NE(sample, nullptr);
  EXPECT_EQ(sample->tasks(), static_cast<uint64_t>(kRequests));
  EXPECT_GE(sample->wall_ns(), kDelayNs);       // every request really waited
  EXPECT_LT(sample->wall_ns(), 1'500'000'000);  // serial would be 2 s: they overlapped
}

INSTANTIATE_TEST_SUITE_P(Models, HttpGetOverlap, ::testing::Values("coroutines", "threads"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parlab::runner
