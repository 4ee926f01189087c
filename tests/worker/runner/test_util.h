// Shared by the runner tests: plugin paths, job construction, event collection.
#ifndef PARLAB_TESTS_RUNNER_TEST_UTIL_H_
#define PARLAB_TESTS_RUNNER_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "parlab/runner/job_runner.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/v1/parlab.pb.h"
#include "parlab/workloads/workload.h"

namespace parlab::runner {

inline std::string TestPlugin(const std::string& name) {
  return std::string(PARLAB_RUNNER_TEST_PLUGIN_DIR) + "/runner_test_" + name + ".so";
}

inline std::string ModelPlugin(const std::string& name) {
  return std::string(PARLAB_PLUGIN_DIR) + "/" + name + ".so";
}

// "primes.sieve, sleep, ...": every kind this build knows, as an unknown-workload error lists
// them, so that adding a workload does not rewrite every expected message.
inline std::string KnownWorkloadKinds() {
  std::string known;
  for (const v1::WorkloadInfo& info : workloads::ListWorkloads()) {
    known += (known.empty() ? "" : ", ") + info.kind();
  }
  return known;
}

inline v1::Job MakeJob(const std::string& kind, const std::map<std::string, std::string>& params,
                       int concurrency = 1, int repetitions = 1, int warmup = 0) {
  v1::Job job;
  job.set_job_id("test-job");
  job.mutable_workload()->set_kind(kind);
  for (const auto& [name, value] : params)
    (*job.mutable_workload()->mutable_params())[name] = value;
  job.set_concurrency(concurrency);
  job.set_repetitions(repetitions);
  job.set_warmup(warmup);
  return job;
}

struct Collected {
  JobOutcome outcome;
  std::vector<v1::RunnerEvent> events;

  std::vector<v1::Sample> samples() const {
    std::vector<v1::Sample> out;
    for (const auto& e : events) {
      if (e.has_sample()) out.push_back(e.sample());
    }
    return out;
  }
  // The final event's error, or "" if the job ended with done.
  std::string error() const { return events.empty() ? "<no events>" : events.back().error(); }
};

inline Collected RunInProcess(const v1::Job& job, const std::string& plugin_path) {
  absl::StatusOr<Plugin> plugin = LoadPlugin(plugin_path);
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  Collected collected{JobOutcome::kFailed, {}};
  if (!plugin.ok()) return collected;
  collected.outcome =
      RunJob(job, *plugin, [&](const v1::RunnerEvent& e) { collected.events.push_back(e); });
  return collected;
}

}  // namespace parlab::runner

#endif  // PARLAB_TESTS_RUNNER_TEST_UTIL_H_
