// Every real model plugin of the build tree runs every workload, with verified results, at
// concurrency 1 and 4 (the sequential model only at 1), in-process through RunJob.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "parlab/runner/describe.h"
#include "test_util.h"

namespace parlab::runner {
namespace {

// Models whose `concurrency` counts OS threads, not tasks in flight: every task's wait may
// overlap with every other's, at any concurrency.
const std::set<std::string> kThreadBoundModels = {"coroutines_mt", "fibers"};

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
      ASSERT_EQ(run.outcome, JobOutcome::kDone)
          << "concurrency " << concurrency << ": " << run.error();
      ASSERT_EQ(run.samples().size(), 2u);  // one warm-up, one measured
      for (const v1::Sample& sample : run.samples()) {
        EXPECT_EQ(sample.tasks(), tasks);
        // Waits cannot be overlapped beyond the tasks in flight: a floor, never a ceiling.
        const uint64_t in_flight =
            kThreadBoundModels.contains(GetParam()) ? tasks : static_cast<uint64_t>(concurrency);
        EXPECT_GE(sample.wall_ns(), serial_wall_floor_ns / static_cast<int64_t>(in_flight));
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

TEST_P(EveryModel, RunsHttpGet) {  // real GETs to the run's own loopback server
  RunAtEachConcurrency(MakeJob("http.get", {{"requests", "8"}, {"delay_ms", "5"}}, 1, 1, 1), 8,
                       8 * 5'000'000);
}

// The CPU-bound kinds and file.write of issue 3, each at a size that takes milliseconds.
TEST_P(EveryModel, RunsPrimesIsPrime) {
  RunAtEachConcurrency(MakeJob("primes.is_prime", {{"n", "2000"}, {"chunk", "50"}}, 1, 1, 1), 40,
                       0);
}

TEST_P(EveryModel, RunsFactorial) {
  RunAtEachConcurrency(MakeJob("factorial", {{"from", "2000"}, {"to", "2006"}}, 1, 1, 1), 6, 0);
}

TEST_P(EveryModel, RunsMandelbrot) {
  RunAtEachConcurrency(
      MakeJob("mandelbrot",
              {{"width", "60"}, {"height", "40"}, {"max_iter", "64"}, {"bands", "10"}}, 1, 1, 1),
      10, 0);
}

TEST_P(EveryModel, RunsSysbenchCpu) {
  RunAtEachConcurrency(
      MakeJob("sysbench.cpu", {{"events", "20"}, {"cpu_max_prime", "2000"}}, 1, 1, 1), 20, 0);
}

TEST_P(EveryModel, RunsFileWrite) {
  RunAtEachConcurrency(MakeJob("file.write", {{"tasks", "12"}, {"kib", "8"}}, 1, 1, 1), 12, 0);
}

// counter and spawn of issue 3 run like the others; counter's total is verified by the
// workload after each repetition.
TEST_P(EveryModel, RunsCounter) {
  RunAtEachConcurrency(
      MakeJob("counter", {{"tasks", "4"}, {"increments", "2000"}, {"strategy", "atomic"}}, 1, 1, 1),
      4, 0);
}

TEST_P(EveryModel, RunsSpawn) {
  RunAtEachConcurrency(MakeJob("spawn", {{"units", "6"}, {"hold_ms", "2"}}, 1, 1, 1), 6,
                       6 * 2'000'000);
}

// queue needs every producer and consumer in flight at once: sequential and concurrencies
// below producers + consumers under task-bound models are refused with the reason; everything
// else passes every item.
TEST_P(EveryModel, RunsQueueOrRefusesIt) {
  absl::StatusOr<Plugin> plugin = LoadPlugin(ModelPlugin(GetParam()));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  const bool sequential = plugin->entry->max_concurrency == 1;
  const bool bounds_threads = ConcurrencyBoundsOf(*plugin->entry) == PARLAB_BOUNDS_THREADS;
  for (int concurrency : {1, 2}) {
    if (sequential && concurrency > 1) continue;
    Collected run =
        RunInProcess(MakeJob("queue", {{"items", "3000"}, {"producers", "1"}, {"consumers", "1"}},
                             concurrency, 1, 1),
                     ModelPlugin(GetParam()));
    if (sequential) {
      EXPECT_EQ(run.outcome, JobOutcome::kFailed);
      EXPECT_THAT(run.error(),
                  ::testing::HasSubstr("producers and consumers must run concurrently"));
    } else if (concurrency < 2 && !bounds_threads) {
      EXPECT_EQ(run.outcome, JobOutcome::kFailed);
      EXPECT_THAT(run.error(), ::testing::HasSubstr("needs concurrency >= producers + consumers"));
    } else {
      ASSERT_EQ(run.outcome, JobOutcome::kDone)
          << "concurrency " << concurrency << ": " << run.error();
      ASSERT_EQ(run.samples().size(), 2u);
      for (const v1::Sample& sample : run.samples()) EXPECT_EQ(sample.tasks(), 2u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, EveryModel, ::testing::ValuesIn(BuiltModels()),
                         [](const auto& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(EveryModel);

// Fibers move between threads mid-task, on stacks the sanitizers are not told about. Under
// clang's ASan the sieve on 4 threads crashed about one repetition in 20 until the model turned
// stack-use-after-return detection off while its fibers run (fibers.cc); 60 repetitions.
TEST(FibersModel, RunsTheSieveManyTimesOnFourThreads) {
  const std::vector<std::string> models = BuiltModels();
  if (std::find(models.begin(), models.end(), "fibers") == models.end()) {
    GTEST_SKIP() << "fibers is not built here";
  }
  Collected run = RunInProcess(MakeJob("primes.sieve", {{"from", "1000"}, {"to", "1100"}}, 4, 60),
                               ModelPlugin("fibers"));
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error();
  EXPECT_EQ(run.samples().size(), 60u);
}

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
    EXPECT_EQ(
        plugin.reason(),
        "plugin " + wrong_abi + ": ABI version 999 is not supported (this runner supports 1..2)");
  }
  EXPECT_TRUE(refused) << "wrong_abi.so was not refused";
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("wrong_abi")));
}

}  // namespace
}  // namespace parlab::runner
