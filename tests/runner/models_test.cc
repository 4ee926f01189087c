// Every real model plugin of the build tree runs every workload, with verified results, at
// concurrency 1 and 4 (the sequential model only at 1), in-process through RunJob.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "parlab/runner/describe.h"
#include "test_util.h"

namespace parlab::runner {
namespace {

std::vector<std::string> BuiltModels() {
  return absl::StrSplit(PARLAB_MODELS, ',', absl::SkipEmpty());
}

class EveryModel : public ::testing::TestWithParam<std::string> {
 protected:
  // Runs `job` at concurrency 1 and 4 (if the model allows it) and checks the verified tasks.
  void RunAtEachConcurrency(v1::Job job, uint64_t tasks, int64_t serial_wall_floor_ns) {
    absl::StatusOr<Plugin> plugin = LoadPlugin(ModelPlugin(GetParam()));
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    for (int concurrency : {1, 4}) {
      if (plugin->entry->max_concurrency != 0 &&
          static_cast<uint32_t>(concurrency) > plugin->entry->max_concurrency) {
        continue;
      }
      job.set_concurrency(concurrency);
      Collected run = RunInProcess(job, ModelPlugin(GetParam()));
      ASSERT_EQ(run.outcome, JobOutcome::kDone) << "concurrency " << concurrency << ": "
                                                << run.error();
      ASSERT_EQ(run.samples().size(), 2u);  // one warm-up, one measured
      for (const v1::Sample& sample : run.samples()) {
        EXPECT_EQ(sample.tasks(), tasks);
        // Waits cannot be overlapped beyond the concurrency: a floor, never a ceiling.
        EXPECT_GE(sample.wall_ns(), serial_wall_floor_ns / concurrency);
      }
      EXPECT_TRUE(run.samples()[0].warmup());
      EXPECT_FALSE(run.samples()[1].warmup());
    }
  }
};

TEST_P(EveryModel, RunsPrimesSieve) {
  RunAtEachConcurrency(MakeJob("primes.sieve", {{"from", "1000"}, {"to", "1300"}}, 1, 1, 1), 300,
                       0);
}

TEST_P(EveryModel, RunsSleep) {
  RunAtEachConcurrency(MakeJob("sleep", {{"tasks", "20"}, {"ms", "5"}}, 1, 1, 1), 20,
                       20 * 5'000'000);
}

INSTANTIATE_TEST_SUITE_P(Models, EveryModel, ::testing::ValuesIn(BuiltModels()),
                         [](const auto& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(EveryModel);

TEST(DescribeBuildTree, ListsTheRealModelsAndRefusesWrongAbi) {
  v1::WorkerDescription d = DescribePlugins({PARLAB_PLUGIN_DIR, PARLAB_TEST_PLUGIN_DIR});
  std::vector<std::string> names;
  for (const v1::ModelInfo& model : d.models()) names.push_back(model.name());
  for (const std::string& model : BuiltModels()) {
    EXPECT_THAT(names, ::testing::Contains(model));
  }
  const std::string wrong_abi = PARLAB_WRONG_ABI_PLUGIN;
  if (wrong_abi.empty()) GTEST_SKIP() << "plugins/testing has no wrong_abi target in this tree";
  bool refused = false;
  for (const v1::RefusedPlugin& plugin : d.refused()) {
    if (plugin.path() != wrong_abi) continue;
    refused = true;
    EXPECT_EQ(plugin.reason(), "plugin " + wrong_abi +
                                   ": ABI version 999 is not supported (this runner supports 1..1)");
  }
  EXPECT_TRUE(refused) << "wrong_abi.so was not refused";
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("wrong_abi")));
}

}  // namespace
}  // namespace parlab::runner
