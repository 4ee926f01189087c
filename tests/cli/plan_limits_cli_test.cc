// `parlab run` on hostile plans, through the real binary: each is refused with exit 2 and a
// message naming the field and the limit, before any worker is contacted; nothing crashes and
// no control character from the plan reaches the terminal.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Output {
  int exit_code = -1;  // -1: killed by a signal
  std::string text;    // stdout and stderr
};

Output RunParlab(const std::string& env, const std::string& plan_path) {
  Output output;
  // A worker that cannot be reached: a plan that got past loading would say so instead.
  const std::string command = env + " " + PARLAB_CLI_BIN + " run " + plan_path +
                              " --no-store --workers 127.0.0.1:1 --connect-timeout 1 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer;
  for (size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.text.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

class PlanLimitsCliTest : public ::testing::Test {
 protected:
  ~PlanLimitsCliTest() override { std::filesystem::remove(path_); }

  Output RunPlan(const std::string& text, const std::string& env = "") {
    std::ofstream(path_, std::ios::binary) << text;
    return RunParlab(env, path_.string());
  }

  static std::string PlanWith(const std::string& extra) {
    return R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"], )" + extra + "}";
  }

  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("parlab-cli-limits-" + std::to_string(getpid()) + ".json");
};

TEST_F(PlanLimitsCliTest, DeeplyNestedNameExitsTwoWithoutCrashing) {
  const Output out =
      RunPlan(PlanWith(R"("name": )" + std::string(100'000, '[') + std::string(100'000, ']')));
  EXPECT_EQ(out.exit_code, 2) << out.text.substr(0, 500);
  EXPECT_THAT(out.text, HasSubstr("nested deeper than 16 levels"));
  EXPECT_LT(out.text.size(), 1000u);
}

TEST_F(PlanLimitsCliTest, HugePlanIsRefusedBySize) {
  const Output out = RunPlan(PlanWith(R"("description": ")" + std::string(2 << 20, 'x') + "\""));
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.text, HasSubstr("plan: must be at most 1048576 bytes"));
  EXPECT_LT(out.text.size(), 1000u);
}

TEST_F(PlanLimitsCliTest, APipeStopsBeingReadPastTheLimit) {
  // A pipe has no size to stat: the read stops at limit + 1 bytes.
  std::ofstream(path_, std::ios::binary)
      << PlanWith(R"("description": ")" + std::string(8 << 20, 'x') + "\"");
  const Output out = RunParlab("cat " + path_.string() + " |", "/dev/stdin");
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_THAT(out.text, HasSubstr("plan: must be at most 1048576 bytes (PARLAB_MAX_PLAN_BYTES "
                                  "raises it), got more"));
}

TEST_F(PlanLimitsCliTest, TheSizeLimitFollowsTheEnvironment) {
  const std::string plan = PlanWith(R"("description": ")" + std::string(4000, 'x') + "\"");
  EXPECT_THAT(RunPlan(plan, "PARLAB_MAX_PLAN_BYTES=2048").text,
              HasSubstr("plan: must be at most 2048 bytes"));
  const Output bad = RunPlan(plan, "PARLAB_MAX_PLAN_BYTES=huge");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.text, HasSubstr("PARLAB_MAX_PLAN_BYTES: must be an integer in [1024, 67108864], "
                                  "got \"huge\""));
}

TEST_F(PlanLimitsCliTest, RunawayFieldsAndDuplicateKeysExitTwo) {
  const Output repetitions = RunPlan(PlanWith(R"("repetitions": 1, "repetitions": 1000000)"));
  EXPECT_EQ(repetitions.exit_code, 2);
  EXPECT_THAT(repetitions.text, HasSubstr("plan.repetitions: duplicate key"));
  const Output concurrency = RunPlan(PlanWith(R"("concurrency": [2147483647])"));
  EXPECT_EQ(concurrency.exit_code, 2);
  EXPECT_THAT(concurrency.text,
              HasSubstr("plan.concurrency[0]: must be <= 100000, got 2147483647"));
  EXPECT_THAT(concurrency.text, Not(HasSubstr("127.0.0.1:1")));  // no worker was tried
}

TEST_F(PlanLimitsCliTest, ControlCharactersInErrorsAreEscaped) {
  // A name that would clear the screen, in a plan refused for another reason that quotes it.
  const Output out = RunPlan(R"({"name": "\u001b[2J", "workload": {"kind": "primes.sieve"},
                                 "models": ["x\u001b[31m"]})");
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_EQ(out.text.find('\x1b'), std::string::npos) << out.text;
  EXPECT_THAT(out.text, HasSubstr("plan.models[0]: must be a model name ([a-z0-9_]+), got "
                                  "\"x\\x1b[31m\""));
}

TEST_F(PlanLimitsCliTest, UsageErrorsAreEscapedToo) {
  const Output out = RunParlab("", "p.json --format \"$(printf 'x\\033[31m')\"");
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_EQ(out.text.find('\x1b'), std::string::npos) << out.text;
  EXPECT_THAT(out.text, HasSubstr("got \"x\\x1b[31m\""));
}

}  // namespace
}  // namespace parlab::cli
