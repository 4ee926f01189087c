// The test-only plugins behave as the runner's tests expect: wrong_abi declares ABI 999, and
// the crash plugins kill the process that runs them with the promised signal.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "plugin_loader.h"
#include "synthetic_job.h"

extern "C" uint32_t parlab_abi_version_seen_by_c11(void);

namespace parlab::testing {
namespace {

TEST(TestPlugins, WrongAbiDeclaresVersion999) {
  std::string why;
  const parlab_model_entry_t* entry = LoadEntry(TestPluginPath("wrong_abi"), &why);
  ASSERT_NE(entry, nullptr) << why;
  EXPECT_EQ(entry->abi_version, 999u);
  EXPECT_STREQ(entry->name, "wrong_abi");
}

// Runs `plugin`'s run() in a forked child (without core dumps) and returns its wait status.
int RunInChild(const std::string& plugin, const SyntheticJob& job) {
  const pid_t pid = fork();
  if (pid == 0) {
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    const parlab_model_entry_t* entry = LoadEntry(TestPluginPath(plugin));
    if (entry == nullptr) _exit(100);
    parlab_error_t error{};
    entry->run(job.job(), &error);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST(TestPlugins, CrashSegvDiesBySigsegvAfterTaskZero) {
  SyntheticJob job({.tasks = 4, .concurrency = 1});
  const int status = RunInChild("crash_segv", job);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  EXPECT_EQ(job.shared().runs[0].load(), 1u);
}

TEST(TestPlugins, CrashAbortDiesBySigabrt) {
  SyntheticJob job({.tasks = 4, .concurrency = 1});
  const int status = RunInChild("crash_abort", job);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
}

TEST(AbiHeader, CompilesAsC11) { EXPECT_EQ(parlab_abi_version_seen_by_c11(), PARLAB_ABI_VERSION); }

}  // namespace
}  // namespace parlab::testing
