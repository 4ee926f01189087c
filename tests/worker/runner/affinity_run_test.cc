// Real jobs through the parlab-runner binary (a process of its own, so that binding it leaves
// this test process alone): the probe plugin reports the CPU masks its units and the runner's
// main thread ended up with; the real models must call bind_unit once per unit they start.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "parlab/common/framing.h"
#include "parlab/runner/affinity.h"
#include "parlab/v1/parlab.pb.h"
#include "support/child_process.h"

namespace parlab::runner {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* dir = getenv("TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/parlab-machine-", getpid(), "-", name);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// What one parlab-runner --job run produced.
struct RunnerRun {
  int exit_code = -1;
  std::vector<v1::RunnerEvent> events;
  std::string log;    // its stderr
  std::string probe;  // what the probe plugin wrote, if it ran
};

RunnerRun RunRunner(const v1::Job& job, const std::string& plugin) {
  const std::string log_path = TempPath(absl::StrCat(job.job_id(), ".log"));
  const std::string probe_path = TempPath(absl::StrCat(job.job_id(), ".probe"));
  unlink(probe_path.c_str());
  absl::StatusOr<std::unique_ptr<test_support::ChildProcess>> child =
      test_support::ChildProcess::Start({PARLAB_RUNNER_PATH, "--job", "--plugin", plugin},
                                        {.in = test_support::Stdio::kPipe,
                                         .out = test_support::Stdio::kPipe,
                                         .err_path = log_path,
                                         .env = {"PARLAB_AFFINITY_PROBE_OUT=" + probe_path}});
  RunnerRun run;
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return run;
  EXPECT_TRUE(WriteFrame((*child)->in(), job).ok());
  (*child)->CloseIn();
  for (;;) {
    v1::RunnerEvent event;
    absl::StatusOr<bool> got = ReadFrame((*child)->out(), &event);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || !*got) break;
    run.events.push_back(event);
  }
  run.exit_code = test_support::ExitCode(*(*child)->Wait());
  run.log = ReadFile(log_path);
  run.probe = ReadFile(probe_path);
  unlink(log_path.c_str());
  unlink(probe_path.c_str());
  return run;
}

v1::Job SleepJob(const std::string& id, const std::string& affinity, int concurrency,
                 int tasks = 4) {
  v1::Job job;
  job.set_job_id(id);
  job.mutable_workload()->set_kind("sleep");
  (*job.mutable_workload()->mutable_params())["tasks"] = std::to_string(tasks);
  (*job.mutable_workload()->mutable_params())["ms"] = "1";
  job.set_concurrency(concurrency);
  job.set_repetitions(1);
  job.set_affinity(affinity);
  return job;
}

// "main 0,1\nunit 0 0\n" -> {"main": "0,1", "unit 0": "0"}
std::map<std::string, std::string> ParseProbe(const std::string& text) {
  std::map<std::string, std::string> masks;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) continue;
    masks[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
  }
  return masks;
}

// This process's own CPU mask, as the probe writes masks.
std::string OwnMask() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof(set), &set);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return absl::StrJoin(cpus, ",");
}

std::string Sorted(std::vector<int> pus) {
  std::sort(pus.begin(), pus.end());
  return absl::StrJoin(pus, ",");
}

bool EndedDone(const RunnerRun& run) {
  return run.exit_code == 0 && !run.events.empty() && run.events.back().done();
}

TEST(AffinityRun, CompactPinsEachUnitToItsPu) {
  const RunnerRun run = RunRunner(SleepJob("compact2", "compact", 2), PARLAB_AFFINITY_PROBE_PLUGIN);
  ASSERT_TRUE(EndedDone(run)) << run.log;
  absl::StatusOr<Placement> expected = Placement::ForJob("compact", 2);
  ASSERT_TRUE(expected.ok()) << expected.status();
  const std::vector<int>& pus = expected->pus();
  const auto masks = ParseProbe(run.probe);
  ASSERT_EQ(masks.size(), 3u) << run.probe;
  EXPECT_EQ(masks.at("main"), Sorted(pus));  // the whole runner inside the union
  EXPECT_EQ(masks.at("unit 0"), std::to_string(pus[0]));
  EXPECT_EQ(masks.at("unit 1"), std::to_string(pus[1 % pus.size()]));
  EXPECT_THAT(run.log, HasSubstr("affinity compact: units on PUs"));
  EXPECT_THAT(run.log, HasSubstr("bind_unit called 2 times"));
}

TEST(AffinityRun, OneUnitBindsTheWholeRunner) {
  // A model that never calls bind_unit still runs inside the union: here, one PU.
  const RunnerRun run = RunRunner(SleepJob("scatter1", "scatter", 1), PARLAB_AFFINITY_PROBE_PLUGIN);
  ASSERT_TRUE(EndedDone(run)) << run.log;
  absl::StatusOr<Placement> expected = Placement::ForJob("scatter", 1);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(expected->pus().size(), 1u);
  const auto masks = ParseProbe(run.probe);
  EXPECT_EQ(masks.at("main"), std::to_string(expected->pus()[0])) << run.probe;
  EXPECT_EQ(masks.at("unit 0"), std::to_string(expected->pus()[0])) << run.probe;
}

TEST(AffinityRun, NoneBindsNothing) {
  const RunnerRun run = RunRunner(SleepJob("none2", "none", 2), PARLAB_AFFINITY_PROBE_PLUGIN);
  ASSERT_TRUE(EndedDone(run)) << run.log;
  const auto masks = ParseProbe(run.probe);
  const std::string own = OwnMask();  // the runner inherits it and keeps it
  EXPECT_EQ(masks.at("main"), own) << run.probe;
  EXPECT_EQ(masks.at("unit 0"), own) << run.probe;
  EXPECT_EQ(masks.at("unit 1"), own) << run.probe;
  EXPECT_THAT(run.log, ::testing::Not(HasSubstr("affinity")));
}

TEST(AffinityRun, UnknownAffinityFailsTheJobNamingTheField) {
  const RunnerRun run = RunRunner(SleepJob("diag", "diagonal", 2), PARLAB_AFFINITY_PROBE_PLUGIN);
  EXPECT_EQ(run.exit_code, 1);
  ASSERT_FALSE(run.events.empty());
  EXPECT_THAT(run.events.back().error(), HasSubstr("job.affinity"));
  EXPECT_THAT(run.events.back().error(), HasSubstr("\"diagonal\""));
  EXPECT_TRUE(run.probe.empty());  // the plugin never ran
}

// Units each model starts for 4 tasks at concurrency 2: a thread or child per task, or one
// per worker.
const std::map<std::string, int> kUnitsStarted = {{"threads", 4},       {"thread_pool", 2},
                                                  {"processes", 4},     {"process_pool", 2},
                                                  {"coroutines_mt", 2}, {"fibers", 2}};

TEST(AffinityRun, EveryMultiUnitModelBindsItsUnits) {
  const std::vector<std::string> models =
      absl::StrSplit(PARLAB_BIND_MODELS, ',', absl::SkipEmpty());
  ASSERT_FALSE(models.empty());
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    const RunnerRun run = RunRunner(SleepJob(model, "compact", 2),
                                    absl::StrCat(PARLAB_PLUGIN_DIR, "/", model, ".so"));
    ASSERT_TRUE(EndedDone(run)) << run.log;
    EXPECT_THAT(run.log,
                HasSubstr(absl::StrCat("bind_unit called ", kUnitsStarted.at(model), " times")));
  }
}

TEST(Sample, ChildrenMaxRssComesFromForkedChildren) {
  const std::string plugins = PARLAB_PLUGIN_DIR;
  const RunnerRun forked = RunRunner(SleepJob("rss-processes", "", 2), plugins + "/processes.so");
  ASSERT_TRUE(EndedDone(forked)) << forked.log;
  const RunnerRun threaded = RunRunner(SleepJob("rss-pool", "", 2), plugins + "/thread_pool.so");
  ASSERT_TRUE(EndedDone(threaded)) << threaded.log;
  auto sample = [](const RunnerRun& run) {
    for (const v1::RunnerEvent& e : run.events) {
      if (e.has_sample()) return e.sample();
    }
    return v1::Sample();
  };
  EXPECT_GT(sample(forked).children_max_rss_kib(), 0);
  EXPECT_EQ(sample(threaded).children_max_rss_kib(), 0);  // nothing forked, nothing waited for
  EXPECT_GT(sample(threaded).max_rss_kib(), 0);
}

}  // namespace
}  // namespace parlab::runner
