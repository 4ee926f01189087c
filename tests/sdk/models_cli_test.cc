// `parlab models` and `parlab models validate` from the build tree: every built-in model
// passes the conformance checks; plugins that break the contract fail, naming the check.
#include <filesystem>
#include <set>

#include "absl/strings/str_split.h"
#include "args.h"
#include "e2e/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sdk_test_util.h"

namespace parlab::sdk_test {
namespace {

using e2e::Completed;
using e2e::RunToCompletion;
using ::testing::HasSubstr;

Completed Validate(const std::string& plugin) {
  return RunToCompletion({PARLAB_CLI_BIN, "models", "validate", plugin}, absl::Seconds(120));
}

std::string TestPlugin(const std::string& name) {
  return std::string(PARLAB_TEST_PLUGIN_DIR) + "/" + name + ".so";
}

// Fails `check` (and says so on stdout), exits 1.
void ExpectFailsOn(const std::string& plugin, const std::string& check) {
  Completed run = Validate(TestPlugin(plugin));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(ReportVerdicts(run.out)[check], "FAIL") << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("FAILED: " + check)) << run.out;
}

TEST(ModelsValidate, WrongAbiFailsOnAbiVersion) {
  ExpectFailsOn("wrong_abi", "abi_version");
  Completed run = Validate(TestPlugin("wrong_abi"));
  EXPECT_THAT(run.out, HasSubstr("ABI version 999 is not supported (this runner supports 1..2)"));
}

TEST(ModelsValidate, ExceedsConcurrencyFailsOnConcurrency) {
  ExpectFailsOn("exceeds_concurrency", "concurrency");
}

TEST(ModelsValidate, LeaksThreadFailsOnNoLeftovers) {
  ExpectFailsOn("leaks_thread", "no_leftovers");
}

TEST(ModelsValidate, CrashingPluginFailsTheCheckItCrashedIn) {
  Completed run = Validate(TestPlugin("crash_segv"));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(ReportVerdicts(run.out)["results.cpu.c1"], "FAIL") << run.out;
  EXPECT_THAT(run.out, HasSubstr("died from signal 11"));
}

// Exit status 1 is also how the runner says "a check failed" — and how a sanitizer or a plugin
// calling exit(1) ends it. A check that started and never reported must fail, not vanish.
TEST(ModelsValidate, RunnerExitingMidCheckFailsThatCheck) {
  Completed run = Validate(TestPlugin("exits_midway"));
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(ReportVerdicts(run.out)["results.cpu.c1"], "FAIL") << run.out;
  EXPECT_THAT(run.out, HasSubstr("parlab-runner exited with status 1 during this check"));
  EXPECT_THAT(run.out, HasSubstr("FAILED: results.cpu.c1")) << run.out;
}

TEST(ModelsValidate, MissingFileIsAUsageError) {
  Completed run = Validate("/nonexistent/model.so");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("/nonexistent/model.so: no such file"));
}

// coroutines_mt and fibers declare PARLAB_BOUNDS_THREADS: `concurrency` counts their OS
// threads and they keep many tasks in flight. The validator holds them to their threads.
const std::set<std::string> kThreadBoundModels = {"coroutines_mt", "fibers"};

class BuiltInModel : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltInModel, PassesEveryCheck) {
  Completed run = Validate(std::string(PARLAB_PLUGIN_DIR) + "/" + GetParam() + ".so");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  for (const auto& [check, verdict] : ReportVerdicts(run.out)) {
    EXPECT_NE(verdict, "FAIL") << check << "\n" << run.out;
  }
  EXPECT_THAT(run.out, HasSubstr(kThreadBoundModels.contains(GetParam()) ? "bounds threads"
                                                                         : "bounds tasks"));
  EXPECT_EQ(ReportVerdicts(run.out).size(), 10u) << run.out;
}

INSTANTIATE_TEST_SUITE_P(Models, BuiltInModel,
                         ::testing::ValuesIn(std::vector<std::string>(
                             absl::StrSplit(PARLAB_BUILT_MODELS, ',', absl::SkipEmpty()))),
                         [](const auto& info) { return info.param; });

TEST(ModelsList, ShowsVersionAbiVersionAndRefusedPlugins) {
  Completed run = RunToCompletion({PARLAB_CLI_BIN, "models", "--plugins",
                                   std::string(PARLAB_PLUGIN_DIR) + ":" + PARLAB_TEST_PLUGIN_DIR});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, ::testing::ContainsRegex("MODEL +VERSION +ABI +CONCURRENCY +BOUNDS +PATH"));
  EXPECT_THAT(run.out, ::testing::ContainsRegex("sequential +1\\.0\\.0 +2 +<= 1 "));
  EXPECT_THAT(run.out, ::testing::ContainsRegex("thread_pool +1\\.0\\.0 +2 +any +tasks "));
  EXPECT_THAT(run.out, HasSubstr("wrong_abi.so: ABI version 999 is not supported"));
}

TEST(ModelsList, JsonHasTheModelsOnly) {
  Completed run = RunToCompletion({PARLAB_CLI_BIN, "models", "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"abi_version\": 2"));
  EXPECT_THAT(run.out, HasSubstr("\"name\": \"thread_pool\""));
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("\"hostname\"")));  // models, not machines
}

TEST(ModelsArgs, ParsesListAndValidate) {
  auto list = cli::ParseCliArgs({"models", "--workers", "a:1"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->command, cli::CliCommand::kModels);
  auto validate = cli::ParseCliArgs({"models", "validate", "x.so"});
  ASSERT_TRUE(validate.ok()) << validate.status();
  EXPECT_EQ(validate->command, cli::CliCommand::kModelsValidate);
  EXPECT_EQ(validate->plugin_path, "x.so");
  EXPECT_THAT(std::string(cli::ParseCliArgs({"models", "validate"}).status().message()),
              HasSubstr("models validate: missing PATH.so"));
  EXPECT_THAT(std::string(cli::ParseCliArgs({"models", "frob"}).status().message()),
              HasSubstr("models: unexpected argument \"frob\""));
}

}  // namespace
}  // namespace parlab::sdk_test
