// The python workload on its own: parameters, where modules may come from, each bad input
// rejected in Prepare() with the field, the file and the Python error, a task's exception and a
// failed check, and the stepping protocol of an `async def` task (timer and fd waits).
#include "parlab/workloads/python.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const std::string kFixtures = PARLAB_PY_FIXTURES;

v1::WorkloadSpec Spec(const std::map<std::string, std::string>& params) {
  v1::WorkloadSpec spec;
  spec.set_kind("python");
  for (const auto& [name, value] : params) (*spec.mutable_params())[name] = value;
  return spec;
}

absl::Status Created(const std::map<std::string, std::string>& params) {
  return CreateWorkload(Spec(params)).status();
}

// Created and prepared with the fixtures folder allowed; the error of either step.
absl::StatusOr<std::unique_ptr<Workload>> Prepared(
    const std::map<std::string, std::string>& params) {
  SetPythonPath({kFixtures});
  absl::StatusOr<std::unique_ptr<Workload>> workload = CreateWorkload(Spec(params));
  if (!workload.ok()) return workload.status();
  if (absl::Status prepared = (*workload)->Prepare(); !prepared.ok()) return prepared;
  return workload;
}

std::string ErrorOf(const std::map<std::string, std::string>& params) {
  absl::StatusOr<std::unique_ptr<Workload>> workload = Prepared(params);
  return workload.ok() ? "OK" : std::string(workload.status().message());
}

TEST(Python, ParametersAreChecked) {
  EXPECT_THAT(Created({{"function", "f"}, {"range", "[1, 2]"}}).message(),
              HasSubstr("plan.workload.params.module: required"));
  EXPECT_THAT(Created({{"module", "a.txt"}, {"function", "f"}, {"range", "[1, 2]"}}).message(),
              HasSubstr(R"(plan.workload.params.module: must name a .py file, got "a.txt")"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"range", "[1, 2]"}}).message(),
              HasSubstr("plan.workload.params.function: required"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"function", "a.b"}, {"range", "[1, 2]"}}).message(),
              HasSubstr("plan.workload.params.function: must be a Python identifier"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"function", "f"}}).message(),
              HasSubstr("exactly one of range [from, to]"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"function", "f"}, {"range", "[1, 2]"}, {"args", "[1]"}})
                  .message(),
              HasSubstr("got both"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"function", "f"}, {"range", "[5, 5]"}}).message(),
              HasSubstr("plan.workload.params.range: to must be greater than from (5), got 5"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"function", "f"}, {"range", "7"}}).message(),
              HasSubstr("plan.workload.params.range: must be [from, to] with two integers, got 7"));
  EXPECT_THAT(Created({{"module", "a.py"}, {"function", "f"}, {"args", "[]"}}).message(),
              HasSubstr("plan.workload.params.args: must be a non-empty array"));
  EXPECT_THAT(
      Created({{"module", "a.py"}, {"function", "f"}, {"range", "[1,2]"}, {"x", "1"}}).message(),
      HasSubstr("plan.workload.params.x: unknown parameter of python"));
  EXPECT_THAT(
      Created({{"module", "a.py"}, {"function", "f"}, {"range", "[1,2]"}, {"http_delay_ms", "-1"}})
          .message(),
      HasSubstr("plan.workload.params.http_delay_ms: must be >= 0, got -1"));
  // Creating parses only: no interpreter, no file needed (the coordinator validates this way).
  absl::StatusOr<std::unique_ptr<Workload>> ok =
      CreateWorkload(Spec({{"module", "nowhere.py"}, {"function", "f"}, {"args", R"([1, "a"])"}}));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->task_count(), 2u);
  auto caps = CapabilitiesOf("python");
  ASSERT_TRUE(caps.ok());
  EXPECT_TRUE(caps->worker_check);
  EXPECT_TRUE(caps->shardable);
}

TEST(Python, ModulesResolveOnlyInsideTheAllowedFolders) {
  EXPECT_EQ(*ResolvePythonModule("tasks.py", {kFixtures}),
            std::filesystem::canonical(kFixtures + "/tasks.py").string());
  EXPECT_TRUE(ResolvePythonModule("sub/nested.py", {"/nonexistent", kFixtures}).ok());
  EXPECT_TRUE(ResolvePythonModule(kFixtures + "/tasks.py", {kFixtures}).ok());

  // Outside: by "..", by an absolute path, through a symbolic link.
  const std::string sub = kFixtures + "/sub";
  absl::StatusOr<std::string> up = ResolvePythonModule("../tasks.py", {sub});
  EXPECT_EQ(up.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(
      up.status().message(),
      HasSubstr(R"(plan.workload.params.module: "../tasks.py" is outside the directories)"));
  EXPECT_EQ(ResolvePythonModule(kFixtures + "/tasks.py", {sub}).status().code(),
            absl::StatusCode::kPermissionDenied);
  char tmpl[] = "/tmp/parlab-py-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  std::filesystem::create_symlink(kFixtures + "/tasks.py", dir + "/link.py");
  EXPECT_EQ(ResolvePythonModule("link.py", {dir}).status().code(),
            absl::StatusCode::kPermissionDenied);
  std::filesystem::remove_all(dir);

  EXPECT_THAT(ResolvePythonModule("missing.py", {kFixtures}).status().message(),
              HasSubstr(R"(plan.workload.params.module: no file "missing.py" in )"));
  EXPECT_THAT(ResolvePythonModule("tasks.py", {}).status().message(),
              HasSubstr("allows Python code from no directory (start parlab-worker with "
                        "--python-path DIR)"));
}

TEST(Python, BadInputIsRejectedInPrepareNamingFieldFileAndError) {
  EXPECT_THAT(ErrorOf({{"module", "missing.py"}, {"function", "f"}, {"range", "[1, 2]"}}),
              HasSubstr(R"(plan.workload.params.module: no file "missing.py")"));
  EXPECT_THAT(ErrorOf({{"module", "bad_syntax.py"}, {"function", "f"}, {"range", "[1, 2]"}}),
              AllOf(HasSubstr("plan.workload.params.module: cannot import"),
                    HasSubstr("bad_syntax.py"), HasSubstr("SyntaxError")));
  EXPECT_THAT(ErrorOf({{"module", "bad_import.py"}, {"function", "f"}, {"range", "[1, 2]"}}),
              AllOf(HasSubstr("plan.workload.params.module: cannot import"),
                    HasSubstr("ModuleNotFoundError: No module named 'does_not_exist_anywhere'")));
  EXPECT_THAT(
      ErrorOf({{"module", "tasks.py"}, {"function", "nope"}, {"range", "[1, 2]"}}),
      AllOf(HasSubstr("plan.workload.params.function:"), HasSubstr("tasks.py has no function "
                                                                   "'nope'")));
  EXPECT_THAT(ErrorOf({{"module", "tasks.py"}, {"function", "two_args"}, {"range", "[1, 2]"}}),
              AllOf(HasSubstr("plan.workload.params.function: two_args(a, b) in"),
                    HasSubstr("must accept 1 positional argument")));
  EXPECT_THAT(ErrorOf({{"module", "tasks.py"},
                       {"function", "echo"},
                       {"check", "missing_check"},
                       {"range", "[1, 2]"}}),
              HasSubstr("plan.workload.params.check:"));
  EXPECT_THAT(ErrorOf({{"module", "tasks.py"},
                       {"function", "echo"},
                       {"check", "check_one_arg"},
                       {"range", "[1, 2]"}}),
              AllOf(HasSubstr("plan.workload.params.check: check_one_arg(result) in"),
                    HasSubstr("must accept 2 positional argument")));
}

TEST(Python, ATaskRunsTheFunctionAndItsCheck) {
  auto workload = Prepared({{"module", "tasks.py"},
                            {"function", "count_primes"},
                            {"check", "check_primes"},
                            {"range", "[100, 103]"}});
  ASSERT_TRUE(workload.ok()) << workload.status();
  EXPECT_EQ((*workload)->task_count(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_TRUE((*workload)->RunTask(i).ok());
  EXPECT_EQ((*workload)->RunTask(3).code(), absl::StatusCode::kOutOfRange);
  const Metrics metrics = (*workload)->CollectMetrics({});
  EXPECT_TRUE(metrics.contains("python_init_ms"));
  EXPECT_GT(metrics.at("python_import_ms"), 0.0);

  auto args = Prepared({{"module", "tasks.py"},
                        {"function", "echo"},
                        {"check", "check_same"},
                        {"args", R"([1, "two", [3], {"four": 4}])"}});
  ASSERT_TRUE(args.ok()) << args.status();
  for (uint64_t i = 0; i < 4; ++i) EXPECT_TRUE((*args)->RunTask(i).ok()) << i;
}

TEST(Python, AnExceptionOrAFailedCheckFailsTheTask) {
  auto raises = Prepared({{"module", "tasks.py"}, {"function", "boom"}, {"range", "[7, 9]"}});
  ASSERT_TRUE(raises.ok()) << raises.status();
  absl::Status failed = (*raises)->RunTask(1);
  EXPECT_THAT(failed.message(),
              AllOf(HasSubstr("python task 1 (boom(8)): ValueError: boom 8"),
                    HasSubstr("at tasks.py:"), HasSubstr("in boom: raise ValueError")));

  auto wrong = Prepared({{"module", "tasks.py"},
                         {"function", "off_by_one"},
                         {"check", "check_same"},
                         {"range", "[7, 9]"}});
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_THAT((*wrong)->RunTask(0).message(),
              HasSubstr("python task 0 (off_by_one(7)): check check_same(arg, result) returned "
                        "False for result 8"));
}

TEST(Python, AnAsyncTaskStepsThroughTimerAndFdWaits) {
  auto workload =
      Prepared({{"module", "tasks.py"}, {"function", "async_sleep_ms"}, {"args", "[30]"}});
  ASSERT_TRUE(workload.ok()) << workload.status();
  std::unique_ptr<TaskState> state;
  parlab_wait_t wait{};
  auto first = (*workload)->Step(0, state, wait);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(*first, StepResult::kWait);
  EXPECT_EQ(wait.kind, static_cast<uint32_t>(PARLAB_WAIT_TIMER));
  EXPECT_EQ(wait.timeout_ns, 30'000'000u);
  // Stepped again too early: the rest of the same wait, the coroutine not resumed.
  auto early = (*workload)->Step(0, state, wait);
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(*early, StepResult::kWait);
  EXPECT_LE(wait.timeout_ns, 30'000'000u);
  StepResult result = StepResult::kWait;
  int steps = 0;
  while (result == StepResult::kWait && steps++ < 100) {
    const timespec pause{0, static_cast<long>(wait.timeout_ns)};
    nanosleep(&pause, nullptr);
    auto next = (*workload)->Step(0, state, wait);
    ASSERT_TRUE(next.ok()) << next.status();
    result = *next;
  }
  EXPECT_EQ(result, StepResult::kDone);

  auto sockets = Prepared({{"module", "tasks.py"},
                           {"function", "async_socket"},
                           {"check", "check_same"},
                           {"range", "[5, 6]"}});
  ASSERT_TRUE(sockets.ok()) << sockets.status();
  std::unique_ptr<TaskState> fd_state;
  auto writable = (*sockets)->Step(0, fd_state, wait);
  ASSERT_TRUE(writable.ok()) << writable.status();
  ASSERT_EQ(*writable, StepResult::kWait);
  EXPECT_EQ(wait.kind, static_cast<uint32_t>(PARLAB_WAIT_WRITABLE));
  EXPECT_GE(wait.fd, 0);
  auto readable = (*sockets)->Step(0, fd_state, wait);
  ASSERT_TRUE(readable.ok()) << readable.status();
  ASSERT_EQ(*readable, StepResult::kWait);
  EXPECT_EQ(wait.kind, static_cast<uint32_t>(PARLAB_WAIT_READABLE));
  pollfd p{wait.fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 1000), 1);
  auto done = (*sockets)->Step(0, fd_state, wait);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(*done, StepResult::kDone);

  // The blocking form drives the same coroutine, waiting with the GIL released.
  EXPECT_TRUE((*sockets)->RunTask(0).ok());
  EXPECT_TRUE((*workload)->RunTask(0).ok());
}

TEST(Python, AwaitingSomethingElseIsAnError) {
  auto workload =
      Prepared({{"module", "tasks.py"}, {"function", "awaits_asyncio"}, {"range", "[0, 1]"}});
  ASSERT_TRUE(workload.ok()) << workload.status();
  EXPECT_THAT((*workload)->RunTask(0).message(),
              HasSubstr("may await only parlab.sleep, parlab.readable and parlab.writable"));
}

}  // namespace
}  // namespace parlab::workloads
