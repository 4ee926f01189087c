// The real parlab-runner executable, driven as the worker daemon drives it: a Job frame on
// stdin, RunnerEvent frames on stdout, the exit status, SIGTERM for cancellation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "parlab/common/framing.h"
#include "support/child_process.h"
#include "test_util.h"

namespace parlab::runner {
namespace {

using test_support::ChildProcess;
using test_support::Stdio;
using ::testing::AllOf;
using ::testing::HasSubstr;

// A parlab-runner child with pipes on stdin and stdout; stderr is inherited (logs show in the
// test output). In its own process group, as the worker daemon starts it.
class RunnerProcess {
 public:
  // `wrapper`: a command that runs the runner (setpriv, to run it as another user).
  explicit RunnerProcess(std::vector<std::string> args, std::vector<std::string> wrapper = {}) {
    args.insert(args.begin(), PARLAB_RUNNER_PATH);
    args.insert(args.begin(), wrapper.begin(), wrapper.end());
    absl::StatusOr<std::unique_ptr<ChildProcess>> child = ChildProcess::Start(
        args, {.in = Stdio::kPipe, .out = Stdio::kPipe, .err = Stdio::kInherit});
    EXPECT_TRUE(child.ok()) << child.status();
    if (child.ok()) child_ = *std::move(child);
  }

  void SendJob(const v1::Job& job) {
    ASSERT_NE(child_, nullptr);
    ASSERT_TRUE(WriteFrame(child_->in(), job).ok());
    child_->CloseIn();
  }
  // The next frame, or nullopt at the end of the stream.
  std::optional<v1::RunnerEvent> Next() {
    if (child_ == nullptr) return std::nullopt;
    v1::RunnerEvent event;
    absl::StatusOr<bool> got = ReadFrame(child_->out(), &event);
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || !*got) return std::nullopt;
    return event;
  }
  std::vector<v1::RunnerEvent> Rest() {
    std::vector<v1::RunnerEvent> events;
    while (auto event = Next()) events.push_back(*event);
    return events;
  }
  void Signal(int sig) {
    if (child_ != nullptr) child_->Signal(sig);
  }
  // Everything left on stdout, as text (--validate writes report lines, not frames).
  std::string ReadText() {
    std::string text;
    if (child_ == nullptr) return text;
    char buffer[4096];
    for (ssize_t n; (n = read(child_->out(), buffer, sizeof(buffer))) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      text.append(buffer, static_cast<size_t>(n));
    }
    return text;
  }
  // The exit code, or 128+signal if it died by one.
  int Wait() { return child_ != nullptr ? test_support::ExitCode(*child_->Wait()) : -1; }

 private:
  std::unique_ptr<ChildProcess> child_;  // SIGKILLed and reaped, if still running, at the end
};

TEST(RunnerBinary, RunsAJobAndWritesFrames) {
  RunnerProcess runner({"--job", "--plugin", TestPlugin("probe")});
  runner.SendJob(MakeJob("primes.sieve", {{"from", "1000"}, {"to", "1100"}}, 1, 2, 1));
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 0);
  ASSERT_EQ(events.size(), 7u);
  int samples = 0;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].has_progress(), i % 2 == 0) << i;
    if (events[i].has_sample()) {
      ++samples;
      EXPECT_EQ(events[i].sample().tasks(), 100u);
    }
  }
  EXPECT_EQ(samples, 3);
  EXPECT_TRUE(events.back().done());
}

TEST(RunnerBinary, UnknownWorkloadIsAnErrorFrameAndExit1) {
  RunnerProcess runner({"--job", "--plugin", TestPlugin("probe")});
  runner.SendJob(MakeJob("nope", {}));
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error(),
            "plan.workload.kind: unknown workload \"nope\" (known: " + KnownWorkloadKinds() + ")");
}

TEST(RunnerBinary, SamplesBeforeAFailureAreKept) {
  RunnerProcess runner({"--job", "--plugin", TestPlugin("fails")});
  runner.SendJob(MakeJob("sleep", {{"tasks", "2"}, {"ms", "1"}}, 1, 3));
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 1);
  ASSERT_EQ(events.size(), 4u);  // progress, sample, progress, error
  EXPECT_EQ(events[1].sample().tasks(), 2u);
  EXPECT_EQ(events[3].error(), "model runner_test_fails: task 3: deliberate failure");
}

TEST(RunnerBinary, UnloadablePluginIsAnErrorFrame) {
  const std::string path = TestPlugin("abi_too_new");
  RunnerProcess runner({"--job", "--plugin", path});
  runner.SendJob(MakeJob("sleep", {}));
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].error(),
            "plugin " + path + ": ABI version 3 is not supported (this runner supports 1..2)");
}

TEST(RunnerBinary, SigtermCancelsWithExit2) {
  RunnerProcess runner({"--job", "--plugin", TestPlugin("probe")});
  runner.SendJob(MakeJob("sleep", {{"tasks", "1000"}, {"ms", "10"}}));  // 10 s uncancelled
  std::optional<v1::RunnerEvent> first = runner.Next();
  ASSERT_TRUE(first && first->has_progress());
  runner.Signal(SIGTERM);
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 2);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().error(), "cancelled");
}

// A worker without cgroups that is not root gives each runner --max-processes: RLIMIT_NPROC a
// few above the user's own processes. A processes job that forks 40 children under 8 fails, and
// its error names the limit. As root (exempt from RLIMIT_NPROC) the runner runs as uid 65532.
TEST(RunnerBinary, AProcessLimitStopsAJobForkingPastIt) {
  const std::optional<std::vector<std::string>> as_user = test_support::AsOrdinaryUser(65532);
  if (!as_user) GTEST_SKIP() << "root, and no /usr/bin/setpriv to run the runner as another user";
  RunnerProcess runner({"--job", "--plugin", ModelPlugin("processes"), "--max-processes", "8"},
                       *as_user);
  runner.SendJob(MakeJob("sleep", {{"tasks", "40"}, {"ms", "300"}}, 40));
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 1);
  ASSERT_FALSE(events.empty());
  EXPECT_THAT(events.back().error(),
              AllOf(HasSubstr("Resource temporarily unavailable"),
                    HasSubstr("(the job's process limit: RLIMIT_NPROC "),
                    HasSubstr(" plus 8 (--max-job-processes, with the runner's own threads))")));
}

TEST(RunnerBinary, DescribeWritesOneDescriptionFrame) {
  RunnerProcess runner({"--describe", "--plugins",
                        std::string(PARLAB_RUNNER_TEST_PLUGIN_DIR) + "::/nonexistent-dir"});
  std::vector<v1::RunnerEvent> events = runner.Rest();
  EXPECT_EQ(runner.Wait(), 0);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].has_description());
  EXPECT_EQ(events[0].description().models_size(), 4);  // abi_v1, fails, liar, probe
  EXPECT_EQ(events[0].description().workloads_size(),
            static_cast<int>(workloads::ListWorkloads().size()));
  EXPECT_EQ(events[0].description().refused_size(), 3);  // abi_too_new, no_entry, the bad dir
}

TEST(RunnerBinary, ValidatePassesAnAbiVersion1Plugin) {
  // `parlab models validate` runs this: an old plugin must keep passing every check, its bound
  // read as tasks (the default), not from past the end of its entry.
  RunnerProcess runner({"--validate", "--plugin", TestPlugin("abi_v1")});
  const std::string report = runner.ReadText();
  EXPECT_EQ(runner.Wait(), 0) << report;
  EXPECT_THAT(report, HasSubstr("PASS\tabi_version\tABI version 1 (supported: 1..2)\n"));
  EXPECT_THAT(report, HasSubstr("PASS\tentry\tmodel runner_test_abi_v1 "));
  EXPECT_THAT(report, HasSubstr("PASS\tconcurrency\tbounds tasks; "));
  EXPECT_THAT(report, HasSubstr("PASS\tcancellation\t"));
  EXPECT_THAT(report, ::testing::Not(HasSubstr("FAIL"))) << report;
}

TEST(RunnerBinary, BadCommandLinesExit64) {
  for (std::vector<std::string> args :
       std::vector<std::vector<std::string>>{{},
                                             {"--job"},
                                             {"--describe"},
                                             {"--frobnicate"},
                                             {"--job", "--describe", "--plugins", "x"},
                                             {"--describe", "--plugin", "x.so"}}) {
    RunnerProcess runner(args);
    EXPECT_TRUE(runner.Rest().empty());
    EXPECT_EQ(runner.Wait(), 64) << ::testing::PrintToString(args);
  }
}

}  // namespace
}  // namespace parlab::runner
