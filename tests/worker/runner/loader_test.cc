// Loading plugins: acceptance, each refusal reason with its message, and --describe's content.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "parlab/runner/describe.h"
#include "test_util.h"

namespace parlab::runner {
namespace {

using ::testing::HasSubstr;

std::string RefusalOf(const std::string& path) {
  absl::StatusOr<Plugin> plugin = LoadPlugin(path);
  EXPECT_FALSE(plugin.ok()) << path;
  return std::string(plugin.status().message());
}

TEST(PluginLoader, LoadsAValidPlugin) {
  absl::StatusOr<Plugin> plugin = LoadPlugin(TestPlugin("probe"));
  ASSERT_TRUE(plugin.ok()) << plugin.status();
  EXPECT_STREQ(plugin->entry->name, "runner_test_probe");
  const v1::ModelInfo info = DescribeModel(*plugin);
  EXPECT_EQ(info.name(), "runner_test_probe");
  EXPECT_EQ(info.version(), "0.0.1");
  EXPECT_EQ(info.abi_version(), 2u);
  EXPECT_EQ(info.path(), TestPlugin("probe"));
  EXPECT_EQ(info.max_concurrency(), 0);
}

TEST(PluginLoader, RefusesAnUnsupportedAbiBeforeReadingAnythingElse) {
  // Its other fields are garbage: getting this message proves only abi_version was read.
  const std::string path = TestPlugin("abi_too_new");
  EXPECT_EQ(RefusalOf(path),
            "plugin " + path + ": ABI version 3 is not supported (this runner supports 1..2)");
}

TEST(PluginLoader, RefusesTheSharedWrongAbiTestPlugin) {
  const std::string path = PARLAB_WRONG_ABI_PLUGIN;
  if (path.empty()) GTEST_SKIP() << "plugins/testing has no wrong_abi target in this tree";
  EXPECT_EQ(RefusalOf(path),
            "plugin " + path + ": ABI version 999 is not supported (this runner supports 1..2)");
}

TEST(PluginLoader, RefusesALibraryWithoutTheEntrySymbol) {
  const std::string path = TestPlugin("no_entry");
  EXPECT_EQ(RefusalOf(path),
            "plugin " + path + ": no parlab_model_entry symbol (not a parlab model plugin?)");
}

TEST(PluginLoader, RefusesAMissingFile) {
  EXPECT_THAT(RefusalOf("/nonexistent/x.so"), HasSubstr("plugin /nonexistent/x.so: cannot load: "));
}

TEST(Describe, ListsModelsWorkloadsAndRefusals) {
  const std::string dir = PARLAB_RUNNER_TEST_PLUGIN_DIR;
  // The same directory twice: every model found the second time is a refused duplicate.
  v1::WorkerDescription d = DescribePlugins({dir, "/nonexistent-dir", dir});
  std::vector<std::string> names;
  for (const v1::ModelInfo& model : d.models()) names.push_back(model.name());
  // runner_test_abi_v1 is an ABI version 1 plugin: described like the others.
  EXPECT_THAT(names, ::testing::ElementsAre("runner_test_abi_v1", "runner_test_fails",
                                            "runner_test_liar", "runner_test_probe"));
  ASSERT_EQ(d.workloads_size(), static_cast<int>(workloads::ListWorkloads().size()));
  EXPECT_EQ(d.workloads(0).kind(), "primes.sieve");
  EXPECT_EQ(d.workloads(1).kind(), "sleep");
  EXPECT_FALSE(d.has_machine());

  std::map<std::string, std::vector<std::string>> reasons;  // path -> reasons
  for (const v1::RefusedPlugin& refused : d.refused()) {
    reasons[refused.path()].push_back(refused.reason());
  }
  EXPECT_THAT(reasons[dir + "/runner_test_abi_too_new.so"],
              ::testing::Each(HasSubstr("ABI version 3 is not supported")));
  EXPECT_THAT(reasons[dir + "/runner_test_no_entry.so"],
              ::testing::Each(HasSubstr("no parlab_model_entry symbol")));
  ASSERT_EQ(reasons["/nonexistent-dir"].size(), 1u);
  EXPECT_EQ(reasons["/nonexistent-dir"][0],
            "plugin directory /nonexistent-dir: cannot open: No such file or directory");
  ASSERT_EQ(reasons[dir + "/runner_test_probe.so"].size(), 1u);
  EXPECT_EQ(reasons[dir + "/runner_test_probe.so"][0],
            "plugin " + dir +
                "/runner_test_probe.so: duplicate model name \"runner_test_probe\" "
                "(already loaded from " +
                dir + "/runner_test_probe.so)");
}

}  // namespace
}  // namespace parlab::runner
