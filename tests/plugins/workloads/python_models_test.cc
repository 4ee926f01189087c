// The python workload through every real model plugin, in-process via the runner library:
// a CPU-bound function with an independent check, a blocking wait (time.sleep), an `async def`
// with timer and fd waits, and a failing task, each under sequential, threads, thread_pool,
// processes, process_pool, coroutines, coroutines_mt and fibers. The interpreter starts once per
// test process and is shared by every job, as it is once per runner in parlab-runner.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "parlab/runner/job_runner.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/workloads/python.h"

namespace parlab::runner {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  JobOutcome outcome = JobOutcome::kFailed;
  std::string error;
  std::vector<v1::Sample> samples;
};

Outcome RunModel(const std::string& model, const std::map<std::string, std::string>& params,
                 int concurrency) {
  // The fixtures, and the seed example whose HTTP functions PythonHttp runs as its plans do.
  workloads::SetPythonPath({PARLAB_PY_FIXTURES, PARLAB_PY_SEEDS});
  Outcome out;
  absl::StatusOr<Plugin> plugin = LoadPlugin(std::string(PARLAB_PLUGIN_DIR) + "/" + model + ".so");
  EXPECT_TRUE(plugin.ok()) << plugin.status();
  if (!plugin.ok()) return out;
  v1::Job job;
  job.set_job_id("python-test");
  job.mutable_workload()->set_kind("python");
  for (const auto& [name, value] : params)
    (*job.mutable_workload()->mutable_params())[name] = value;
  job.set_concurrency(model == "sequential" ? 1 : concurrency);  // its only level
  job.set_repetitions(2);
  job.set_warmup(0);
  out.outcome = RunJob(job, *plugin, [&](const v1::RunnerEvent& e) {
    if (e.has_sample()) out.samples.push_back(e.sample());
    if (e.has_error()) out.error = e.error();
  });
  return out;
}

class PythonModels : public ::testing::TestWithParam<std::string> {};

TEST_P(PythonModels, CpuBoundFunctionIsVerified) {
  Outcome run = RunModel(GetParam(),
                         {{"module", "tasks.py"},
                          {"function", "count_primes"},
                          {"check", "check_primes"},
                          {"range", "[2000, 2008]"}},
                         2);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  ASSERT_EQ(run.samples.size(), 2u);
  for (const v1::Sample& s : run.samples) {
    EXPECT_EQ(s.tasks(), 8u);
    EXPECT_TRUE(s.metrics().contains("python_init_ms"));
    EXPECT_TRUE(s.metrics().contains("python_import_ms"));
  }
}

TEST_P(PythonModels, BlockingSleepIsVerified) {
  Outcome run = RunModel(GetParam(),
                         {{"module", "tasks.py"},
                          {"function", "sleep_ms"},
                          {"check", "check_same"},
                          {"range", "[5, 9]"}},
                         4);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  for (const v1::Sample& s : run.samples) {
    EXPECT_EQ(s.tasks(), 4u);
    EXPECT_GE(s.wall_ns(), 8'000'000);  // the longest task slept 8 ms, whatever the model
  }
}

TEST_P(PythonModels, AsyncTimerAndFdWaitsAreVerified) {
  Outcome sleeps = RunModel(GetParam(),
                            {{"module", "tasks.py"},
                             {"function", "async_sleep_ms"},
                             {"check", "check_same"},
                             {"args", "[5, 6, 7, 8]"}},
                            2);
  ASSERT_EQ(sleeps.outcome, JobOutcome::kDone) << sleeps.error;
  for (const v1::Sample& s : sleeps.samples) EXPECT_GE(s.wall_ns(), 8'000'000);
  Outcome sockets = RunModel(GetParam(),
                             {{"module", "tasks.py"},
                              {"function", "async_socket"},
                              {"check", "check_same"},
                              {"range", "[0, 6]"}},
                             2);
  ASSERT_EQ(sockets.outcome, JobOutcome::kDone) << sockets.error;
}

TEST_P(PythonModels, AnExceptionFailsTheJobWithThePythonError) {
  Outcome run =
      RunModel(GetParam(), {{"module", "tasks.py"}, {"function", "boom"}, {"range", "[3, 5]"}}, 2);
  EXPECT_EQ(run.outcome, JobOutcome::kFailed);
  EXPECT_THAT(run.error, HasSubstr("ValueError: boom "));
  EXPECT_THAT(run.error, HasSubstr("in boom: raise ValueError"));
  std::cerr << GetParam() << ": " << run.error << "\n";  // the wording, for the log
  Outcome check = RunModel(GetParam(),
                           {{"module", "tasks.py"},
                            {"function", "off_by_one"},
                            {"check", "check_same"},
                            {"range", "[3, 5]"}},
                           2);
  EXPECT_EQ(check.outcome, JobOutcome::kFailed);
  EXPECT_THAT(check.error, HasSubstr("check check_same(arg, result) returned False"));
}

INSTANTIATE_TEST_SUITE_P(Models, PythonModels,
                         ::testing::Values("sequential", "threads", "thread_pool", "processes",
                                           "process_pool", "coroutines", "coroutines_mt",
                                           "fibers"));

// Waits overlap where CPython's do: 20 x 100 ms under a model that overlaps them takes far
// less than the 2 s they add up to (a loose bound: this checks overlap, not speed).
class PythonWaitsOverlap : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(PythonWaitsOverlap, TwentyWaitsOfATenthOverlap) {
  const auto& [model, function] = GetParam();
  Outcome run =
      RunModel(model, {{"module", "tasks.py"}, {"function", function}, {"range", "[100, 120]"}},
               model == "coroutines_mt" || model == "fibers" ? 1 : 20);
  ASSERT_EQ(run.outcome, JobOutcome::kDone) << run.error;
  for (const v1::Sample& s : run.samples) {
    EXPECT_GE(s.wall_ns(), 119'000'000);
    EXPECT_LT(s.wall_ns(), 1'200'000'000) << model << " " << function << ": did not overlap";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, PythonWaitsOverlap,
    ::testing::Values(std::make_tuple("threads", "sleep_ms"),  // time.sleep releases the GIL
                      std::make_tuple("processes", "sleep_ms"),
                      std::make_tuple("coroutines", "async_sleep_ms"),  // one thread
                      std::make_tuple("coroutines_mt", "async_sleep_ms"),
                      std::make_tuple("fibers", "async_sleep_ms")),
    [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

// GETs of the runner's own HTTP server (http_delay_ms): verified bodies under every kind of
// model, and 10 delayed GETs overlap where CPython's would (blocking sockets under threads,
// awaited fds under coroutines on one thread). The functions are the seed example's own
// (examples/plans/seeds-python/seeds.py, as its 002-http-10.json and 004-http-100-*.json run
// them), not a copy: this test guards the example too.
TEST(PythonHttp, GetsOfTheRunnersServerAreVerifiedAndOverlap) {
  for (const auto& [model, function] :
       std::vector<std::pair<std::string, std::string>>{{"sequential", "http_get_task"},
                                                        {"threads", "http_get_task"},
                                                        {"process_pool", "http_get_task"},
                                                        {"coroutines", "http_get_task_async"},
                                                        {"fibers", "http_get_task_async"}}) {
    Outcome run = RunModel(model,
                           {{"module", "seeds.py"},
                            {"function", function},
                            {"check", "check_http_task"},
                            {"range", "[0, 10]"},
                            {"http_delay_ms", "100"}},
                           model == "fibers" ? 1 : 10);
    ASSERT_EQ(run.outcome, JobOutcome::kDone) << model << ": " << run.error;
    for (const v1::Sample& s : run.samples) {
      EXPECT_GE(s.wall_ns(), 100'000'000) << model;  // every GET waited for the server
      if (model != "sequential") EXPECT_LT(s.wall_ns(), 800'000'000) << model << ": no overlap";
    }
  }
}

// A task that forks by itself (subprocess, os.fork) under a thread model and a process model:
// CPython's own fork handling runs, parlab's fork hooks stay out of it, nothing hangs.
TEST(PythonForks, ATaskMayForkItself) {
  for (const std::string model : {"threads", "process_pool", "coroutines"}) {
    for (const std::string function : {"echo_subprocess", "os_fork"}) {
      Outcome run = RunModel(model,
                             {{"module", "tasks.py"},
                              {"function", function},
                              {"check", "check_echo"},
                              {"range", "[1, 5]"}},
                             2);
      EXPECT_EQ(run.outcome, JobOutcome::kDone) << model << " " << function << ": " << run.error;
    }
  }
}

// Under process models the tasks run Python in forked children (os.getpid() differs from
// ours, the check says so), with the interpreter they inherited through CPython's fork hooks.
TEST(PythonProcesses, TasksRunInForkedChildren) {
  const std::string self = std::to_string(getpid());
  const std::string args = "[" + self + ", " + self + ", " + self + "]";
  for (const std::string model : {"processes", "process_pool"}) {
    Outcome run = RunModel(
        model,
        {{"module", "tasks.py"}, {"function", "pid"}, {"check", "check_differs"}, {"args", args}},
        2);
    EXPECT_EQ(run.outcome, JobOutcome::kDone) << model << ": " << run.error;
  }
  Outcome same = RunModel(
      "threads",
      {{"module", "tasks.py"}, {"function", "pid"}, {"check", "check_differs"}, {"args", args}}, 2);
  EXPECT_EQ(same.outcome, JobOutcome::kFailed);  // threads share our process
}

}  // namespace
}  // namespace parlab::runner
