// ABI-level conformance of every model plugin in PARLAB_PLUGIN_OUTPUT_DIR: each is dlopened
// and run with a SyntheticJob (tasks implemented by the test, recorded in shared memory).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "plugin_loader.h"
#include "synthetic_job.h"

namespace parlab::testing {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kModels = {"coroutines",   "coroutines_mt", "fibers",
                                          "process_pool", "processes",     "sequential",
                                          "thread_pool",  "threads"};

// The models that declare PARLAB_BOUNDS_THREADS: `concurrency` counts their OS threads, and
// their tasks' waits overlap beyond it (fibers_coroutines_mt_test.cc checks their own
// in-flight cap). Pinned here so a model cannot silently change what its bound means.
const std::set<std::string> kThreadBoundModels = {"coroutines_mt", "fibers"};

// Every child reaped and no thread beyond the baseline (a joined thread's /proc entry can
// trail its join by a moment, hence the short poll). Fewer is not a leftover: a runtime's own
// short-lived thread counted in the baseline may be gone (seen under TSan: 2 after a baseline
// of 3).
void ExpectNoLeftovers(int baseline_threads) {
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child process was left behind";
  EXPECT_EQ(errno, ECHILD);
  int threads = CountThreads();
  for (int i = 0; i < 200 && threads > baseline_threads; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    threads = CountThreads();
  }
  EXPECT_LE(threads, baseline_threads) << "threads left behind";
}

class ModelTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    entry_ = LoadEntry(PluginPath(GetParam()), &why);
    ASSERT_NE(entry_, nullptr) << why;
    ASSERT_EQ(entry_->abi_version, PARLAB_ABI_VERSION);
    ASSERT_EQ(entry_->concurrency_bounds, kThreadBoundModels.contains(GetParam())
                                              ? PARLAB_BOUNDS_THREADS
                                              : PARLAB_BOUNDS_TASKS);
    baseline_threads_ = CountThreads();
  }
  void TearDown() override { ExpectNoLeftovers(baseline_threads_); }

  // The concurrency to ask for: a sequential model only ever gets 1.
  uint32_t Concurrency(uint32_t wanted) const { return entry_->max_concurrency == 1 ? 1 : wanted; }

  int32_t Run(const SyntheticJob& job) {
    error_ = parlab_error_t{};
    return entry_->run(job.job(), &error_);
  }
  std::string message() const { return error_.message; }

  const parlab_model_entry_t* entry_ = nullptr;
  int baseline_threads_ = 0;
  parlab_error_t error_{};
};

TEST(ModelPlugins, EveryModelIsBuilt) {
  const std::vector<std::string> found = ListPlugins(PARLAB_PLUGIN_OUTPUT_DIR);
  for (const std::string& model : kModels) EXPECT_THAT(found, ::testing::Contains(model));
}

TEST_P(ModelTest, ExportsAValidEntry) {
  EXPECT_STREQ(entry_->name, GetParam().c_str()) << "name must match the file name";
  EXPECT_STREQ(entry_->version, "1.0.0");
  ASSERT_NE(entry_->description, nullptr);
  EXPECT_GT(std::strlen(entry_->description), 0u);
  EXPECT_EQ(std::strchr(entry_->description, '\n'), nullptr) << "one line";
  EXPECT_NE(entry_->run, nullptr);
  EXPECT_EQ(entry_->max_concurrency, GetParam() == "sequential" ? 1u : 0u);
}

// The plugin's dynamic symbols, from `nm -D` (binutils is part of the toolchain).
std::vector<std::string> ExportedSymbols(const std::string& path) {
  std::vector<std::string> symbols;
  FILE* nm = popen(("nm -D --defined-only '" + path + "' 2>/dev/null").c_str(), "r");
  if (nm == nullptr) return symbols;
  char line[4096];
  while (std::fgets(line, sizeof(line), nm) != nullptr) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    symbols.push_back(text.substr(text.rfind(' ') + 1));
  }
  pclose(nm);
  return symbols;
}

TEST_P(ModelTest, ExportsOnlyTheEntrySymbol) {
  EXPECT_THAT(ExportedSymbols(PluginPath(GetParam())),
              ::testing::ElementsAre(PARLAB_MODEL_ENTRY_SYMBOL));
}

TEST_P(ModelTest, RunsEveryTaskExactlyOnce) {
  SyntheticJob job({.tasks = 300, .concurrency = Concurrency(4)});
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  for (uint64_t i = 0; i < 300; ++i) ASSERT_EQ(job.shared().runs[i].load(), 1u) << "task " << i;
}

TEST_P(ModelTest, HandlesZeroTasks) {
  SyntheticJob job({.tasks = 0, .concurrency = Concurrency(4)});
  EXPECT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.shared().started.load(), 0u);
}

TEST_P(ModelTest, RefusesZeroConcurrency) {
  SyntheticJob job({.tasks = 10, .concurrency = 0});
  EXPECT_EQ(Run(job), PARLAB_ERROR);
  EXPECT_THAT(message(), HasSubstr("concurrency"));
  EXPECT_EQ(job.shared().started.load(), 0u);
}

TEST_P(ModelTest, HandlesConcurrencyAboveTaskCount) {
  SyntheticJob job({.tasks = 3, .concurrency = Concurrency(64)});
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.TotalRuns(), 3u);
  EXPECT_EQ(job.MaxRunsPerTask(), 1u);
}

TEST_P(ModelTest, HonoursTheConcurrencyBound) {
  const uint32_t concurrency = Concurrency(3);
  SyntheticJob job(
      {.tasks = 40, .concurrency = concurrency, .task_us = 3000, .wait_ns = 3'000'000});
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.TotalRuns(), 40u);
  if (!kThreadBoundModels.contains(GetParam())) {
    EXPECT_LE(job.shared().peak_in_flight.load(), static_cast<int32_t>(concurrency));
  }
  // Tasks last 3 ms: a model that is concurrent at all overlaps some of them.
  if (concurrency > 1) {
    EXPECT_GE(job.shared().peak_in_flight.load(), 2);
  }
  // No model needs more than one thread per execution unit besides the caller's. (+1: a
  // joined thread's /proc entry can outlive pthread_join() by a moment.)
  EXPECT_LE(job.shared().peak_threads.load(),
            baseline_threads_ + static_cast<int>(concurrency) + 1);
}

TEST_P(ModelTest, FailingTaskFailsTheRun) {
  SyntheticJob job({.tasks = 100, .concurrency = Concurrency(4), .fail_index = 3, .task_us = 2000});
  EXPECT_EQ(Run(job), PARLAB_ERROR);
  EXPECT_THAT(message(), HasSubstr("task 3"));
  EXPECT_THAT(message(), HasSubstr("boom"));
  EXPECT_EQ(job.shared().runs[3].load(), 1u);
  EXPECT_LE(job.MaxRunsPerTask(), 1u);
  // Thread-bound models start all 100 tasks before task 3's wait ends and it fails;
  // fibers_coroutines_mt_test.cc checks them with more tasks than they keep in flight.
  if (!kThreadBoundModels.contains(GetParam())) {
    EXPECT_LT(job.shared().started.load(), 50u) << "tasks kept starting after the failure";
  }
}

TEST_P(ModelTest, CancellationStopsStartingTasks) {
  SyntheticJob job(
      {.tasks = 100, .concurrency = Concurrency(4), .cancel_after = 5, .task_us = 1000});
  EXPECT_EQ(Run(job), PARLAB_CANCELLED) << message();
  EXPECT_THAT(message(), HasSubstr("cancelled"));
  EXPECT_LT(job.shared().started.load(), 50u);
  EXPECT_LE(job.MaxRunsPerTask(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Plugins, ModelTest,
                         ::testing::ValuesIn(ListPlugins(PARLAB_PLUGIN_OUTPUT_DIR)),
                         [](const auto& info) { return info.param; });

// Process models: a child that dies by a signal fails the job, naming task and signal.
using ProcessModelTest = ModelTest;

TEST_P(ProcessModelTest, ChildKilledBySignalFailsTheRun) {
  SyntheticJob job({.tasks = 20, .concurrency = 2, .crash_index = 2, .task_us = 1000});
  EXPECT_EQ(Run(job), PARLAB_ERROR);
  EXPECT_THAT(message(), HasSubstr("task 2"));
  EXPECT_THAT(message(), HasSubstr(strsignal(SIGUSR1)));
}

INSTANTIATE_TEST_SUITE_P(Plugins, ProcessModelTest, ::testing::Values("processes", "process_pool"),
                         [](const auto& info) { return info.param; });

// Thread models: finished threads are joined as they go, not piled up until the end. A
// finished-but-unjoined thread keeps its stack mapped (8 MiB by default), so 1000 of them
// would show as gigabytes of VmSize; joined ones keep it to a few stacks (plus glibc's cache).
using ThreadModelTest = ModelTest;

TEST_P(ThreadModelTest, ThreadCreationIsBounded) {
  SyntheticJob job({.tasks = 1000, .concurrency = 2, .sample_vm = true});
  const int64_t vm_before = VmSizeKb();
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.TotalRuns(), 1000u);
  EXPECT_LE(job.shared().peak_threads.load(), baseline_threads_ + 2 + 1);  // +1: see above
  EXPECT_LT(job.shared().peak_vm_kb.load() - vm_before, 512 * 1024) << "threads piled up";
}

INSTANTIATE_TEST_SUITE_P(Plugins, ThreadModelTest, ::testing::Values("threads", "thread_pool"),
                         [](const auto& info) { return info.param; });

// Coroutines: stepped tasks suspend on timers and fds on ONE thread.
class CoroutinesTest : public ModelTest {};

TEST_P(CoroutinesTest, ThousandTimersOverlapOnOneThread) {
  SyntheticJob job({.tasks = 1000, .concurrency = 1000, .wait_ns = 100'000'000});
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(job.TotalRuns(), 1000u);
  EXPECT_LT(elapsed, std::chrono::seconds(5)) << "1000 waits of 100 ms did not overlap";
  EXPECT_EQ(job.shared().peak_threads.load(), baseline_threads_) << "must not add threads";
}

TEST_P(CoroutinesTest, WaitsForReadableFd) {
  SyntheticJob job({.tasks = 32, .concurrency = 8, .step_wait = StepWait::kReadableReady});
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.TotalRuns(), 32u);
}

TEST_P(CoroutinesTest, WaitsForWritableFd) {
  SyntheticJob job({.tasks = 32, .concurrency = 8, .step_wait = StepWait::kWritable});
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.TotalRuns(), 32u);
}

TEST_P(CoroutinesTest, FdWaitTimesOutAndStepsAgain) {
  SyntheticJob job({.tasks = 16,
                    .concurrency = 8,
                    .wait_ns = 2'000'000,
                    .step_wait = StepWait::kReadableTimeout});
  ASSERT_EQ(Run(job), PARLAB_OK) << message();
  EXPECT_EQ(job.shared().fd_steps_after_timeout.load(), 16u);
}

INSTANTIATE_TEST_SUITE_P(Plugins, CoroutinesTest, ::testing::Values("coroutines"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace parlab::testing
