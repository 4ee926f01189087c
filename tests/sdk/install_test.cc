// The SDK as a model author meets it: `cmake --install` of this build tree into a temporary
// prefix, examples/model-template configured and built against that INSTALLED prefix (never
// the build tree), then the installed `parlab` runs a plan with the new model next to
// thread_pool, lists it, and validates it. One test, because every step needs the previous.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "e2e/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sdk_test_util.h"

namespace parlab::sdk_test {
namespace {

namespace fs = std::filesystem;
using e2e::Completed;
using e2e::RunToCompletion;
using ::testing::HasSubstr;

std::string Report(const Completed& run) {
  return "exit " + std::to_string(run.exit_code) + "\nstdout:\n" + run.out + "\nstderr:\n" +
         run.err;
}

TEST(InstalledSdk, TemplateModelBuildsAgainstThePrefixRunsAndValidates) {
  TempDir tmp("parlab-sdk");
  ASSERT_FALSE(tmp.path().empty());
  const fs::path prefix = tmp.path() / "prefix";
  const fs::path build = tmp.path() / "template-build";

  // 1. Install this build tree.
  Completed install = RunToCompletion(
      {PARLAB_CMAKE_COMMAND, "--install", PARLAB_BINARY_DIR, "--prefix", prefix.string()},
      absl::Seconds(120));
  ASSERT_EQ(install.exit_code, 0) << Report(install);
  for (const char* file :
       {"bin/parlab", "bin/parlab-worker", "bin/parlab-runner", "lib/parlab/plugins/thread_pool.so",
        "include/parlab/model_abi.h", "lib/cmake/parlab/parlabConfig.cmake",
        "lib/cmake/parlab/parlabConfigVersion.cmake", "lib/cmake/parlab/ParlabPlugin.cmake"}) {
    EXPECT_TRUE(fs::exists(prefix / file)) << file;
  }
  EXPECT_FALSE(fs::exists(prefix / "lib/parlab/test-plugins"));
  EXPECT_FALSE(fs::exists(prefix / "lib/parlab/plugins/wrong_abi.so"));

  // 2. Configure and build the template against the prefix only.
  Completed configure = RunToCompletion(
      {PARLAB_CMAKE_COMMAND, "-S", std::string(PARLAB_SOURCE_DIR) + "/examples/model-template",
       "-B", build.string(), "-G", "Ninja", "-DCMAKE_PREFIX_PATH=" + prefix.string()},
      absl::Seconds(120));
  ASSERT_EQ(configure.exit_code, 0) << Report(configure);
  std::ifstream cache(build / "CMakeCache.txt");
  std::string cache_text((std::istreambuf_iterator<char>(cache)), std::istreambuf_iterator<char>());
  EXPECT_THAT(cache_text, HasSubstr("parlab_DIR:PATH=" + (prefix / "lib/cmake/parlab").string()));
  Completed compile =
      RunToCompletion({PARLAB_CMAKE_COMMAND, "--build", build.string()}, absl::Seconds(120));
  ASSERT_EQ(compile.exit_code, 0) << Report(compile);
  EXPECT_THAT(compile.out + compile.err, ::testing::Not(HasSubstr("warning:"))) << Report(compile);
  const fs::path plugin = build / "plugins/std_async.so";
  ASSERT_TRUE(fs::exists(plugin)) << Report(compile);

  // Only the entry symbol is exported.
  Completed nm = RunToCompletion({PARLAB_NM, "-D", "--defined-only", plugin.string()});
  ASSERT_EQ(nm.exit_code, 0) << Report(nm);
  EXPECT_THAT(nm.out, HasSubstr(" parlab_model_entry"));
  EXPECT_THAT(nm.out, ::testing::Not(HasSubstr("_Z"))) << "C++ symbols leaked:\n" << nm.out;

  // 3. The installed CLI, its local worker given both plugin folders.
  const std::string parlab = (prefix / "bin/parlab").string();
  const std::string plugins =
      (prefix / "lib/parlab/plugins").string() + ":" + plugin.parent_path().string();

  Completed models = RunToCompletion({parlab, "models", "--plugins", plugins});
  ASSERT_EQ(models.exit_code, 0) << Report(models);
  EXPECT_THAT(models.out, ::testing::ContainsRegex("std_async +1\\.0\\.0 +2 +any"));
  EXPECT_THAT(models.out, ::testing::ContainsRegex("thread_pool +1\\.0\\.0 +2 +any +tasks +" +
                                                   (prefix / "lib/parlab/plugins").string()));

  const fs::path plan = tmp.path() / "plan.json";
  std::ofstream(plan) << R"({"name": "sdk", "workload": {"kind": "sleep",
      "params": {"tasks": 8, "ms": 5}}, "models": ["thread_pool", "std_async"],
      "concurrency": [1, 2], "repetitions": 1, "warmup": 0})";
  Completed run =
      RunToCompletion({parlab, "run", plan.string(), "--plugins", plugins, "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << Report(run);
  int std_async_ok = 0, thread_pool_ok = 0;
  const nlohmann::json doc = nlohmann::json::parse(run.out);
  for (const nlohmann::json& record : doc["results"]) {
    EXPECT_EQ(record["status"], "OK") << record.dump();
    if (record["status"] != "OK") continue;
    (record["model"] == "std_async" ? std_async_ok : thread_pool_ok) += 1;
  }
  EXPECT_EQ(std_async_ok, 2);  // concurrency 1 and 2
  EXPECT_EQ(thread_pool_ok, 2);

  Completed table = RunToCompletion({parlab, "run", plan.string(), "--plugins", plugins});
  ASSERT_EQ(table.exit_code, 0) << Report(table);
  EXPECT_THAT(table.out, ::testing::ContainsRegex("std_async +2 .* OK"));

  Completed validate = RunToCompletion({parlab, "models", "validate", plugin.string()});
  EXPECT_EQ(validate.exit_code, 0) << Report(validate);
  EXPECT_THAT(validate.out, HasSubstr("OK: 10 checks passed"));
}

}  // namespace
}  // namespace parlab::sdk_test
