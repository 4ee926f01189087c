// The per-job cgroup (parlab/worker/job_cgroup.h): set up on a fake cgroup tree (the files the
// kernel would show, in a temporary folder), the fallback's reasons, and on the real kernel
// where this machine lets the test create cgroups (skipped with the reason otherwise).
#include "parlab/worker/job_cgroup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/common/spawn.h"

namespace parlab {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class FakeCgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            absl::StrCat("parlab-fake-cgroup-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    options_.proc_self_cgroup = (root_ / "proc-self-cgroup").string();
    options_.mounts = (root_ / "mounts").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  CgroupSetupOptions options_;
};

// Delegated cgroup v2 (systemd Delegate=yes): the worker moves into a leaf, hands pids and
// memory to its children, and each job gets pids.max and memory.max; a reached limit is named.
TEST_F(FakeCgroupTree, ADelegatedV2CgroupGetsALeafAndEachJobItsLimits) {
  Write(options_.mounts, absl::StrCat("proc /proc proc rw 0 0\ncgroup2 ", (root_ / "cg").string(),
                                      " cgroup2 rw,nosuid 0 0\n"));
  Write(options_.proc_self_cgroup, "0::/system.slice/parlab-worker.service\n");
  const fs::path own = root_ / "cg/system.slice/parlab-worker.service";
  Write(own / "cgroup.controllers", "cpu io memory pids\n");
  options_.memory_max_mib = 512;

  std::unique_ptr<JobCgroups> cgroups = JobCgroups::Setup(options_);
  ASSERT_TRUE(cgroups->available()) << cgroups->reason();
  EXPECT_EQ(cgroups->mechanism(), kCgroupV2);
  EXPECT_EQ(cgroups->parent(), own.string());
  EXPECT_EQ(Read(own / "parlab-worker/cgroup.procs"), absl::StrCat(getpid()));
  EXPECT_EQ(Read(own / "cgroup.subtree_control"), "+pids +memory");

  absl::StatusOr<std::unique_ptr<JobCgroup>> job =
      cgroups->Create(80, "--max-job-processes 64, plus 16 for the runner itself");
  ASSERT_TRUE(job.ok()) << job.status();
  const fs::path dir = (*job)->path();
  EXPECT_EQ(dir.parent_path(), own);
  EXPECT_THAT(dir.filename().string(),
              ::testing::StartsWith(absl::StrCat("parlab-job-", getpid())));
  EXPECT_EQ(Read(dir / "pids.max"), "80");
  EXPECT_EQ(Read(dir / "memory.max"), absl::StrCat(512 << 20));
  EXPECT_EQ((*job)->LimitsHit(), "");
  Write(dir / "pids.events", "max 3\n");
  Write(dir / "memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n");
  EXPECT_EQ((*job)->LimitsHit(),
            "the job reached its process limit: pids.max 80 (--max-job-processes 64, plus 16 for "
            "the runner itself); 3 forks refused; the job reached its memory limit: memory.max "
            "512 MiB (--max-job-memory); 1 OOM kill");
}

// The hybrid layout of many VMs: cgroup v2 without controllers, and no writable v1 pids
// hierarchy. No cgroup, and the reason names both.
TEST_F(FakeCgroupTree, WithoutAPidsControllerThereIsNoCgroupAndTheReasonSaysWhy) {
  Write(options_.mounts,
        absl::StrCat("cgroup2 ", (root_ / "unified").string(), " cgroup2 rw 0 0\n"));
  Write(options_.proc_self_cgroup, "0::/\n");
  Write(root_ / "unified/cgroup.controllers", "hugetlb\n");
  std::unique_ptr<JobCgroups> cgroups = JobCgroups::Setup(options_);
  EXPECT_FALSE(cgroups->available());
  EXPECT_EQ(cgroups->mechanism(), "");
  EXPECT_THAT(cgroups->reason(), HasSubstr("has no pids controller (it has: hugetlb"));
  EXPECT_THAT(cgroups->reason(), HasSubstr("no cgroup v1 pids hierarchy"));
  EXPECT_FALSE(cgroups->Create(80, "").ok());
  EXPECT_FALSE(fs::exists(root_ / "unified/cgroup.subtree_control")) << "nothing was changed";

  EXPECT_EQ(JobCgroups::None("--job-cgroups off")->reason(), "--job-cgroups off");
}

// A cgroup v1 pids hierarchy (root on a hybrid machine): jobs go below this process's cgroup.
TEST_F(FakeCgroupTree, AWritableV1PidsHierarchyIsTheSecondChoice) {
  Write(options_.mounts,
        absl::StrCat("cgroup ", (root_ / "pids").string(), " cgroup rw,nosuid,pids 0 0\n"));
  Write(options_.proc_self_cgroup, "8:pids:/bench\n0::/\n");
  fs::create_directories(root_ / "pids/bench");
  std::unique_ptr<JobCgroups> cgroups = JobCgroups::Setup(options_);
  ASSERT_TRUE(cgroups->available()) << cgroups->reason();
  EXPECT_EQ(cgroups->mechanism(), kCgroupV1Pids);
  EXPECT_EQ(cgroups->parent(), (root_ / "pids/bench").string());
  absl::StatusOr<std::unique_ptr<JobCgroup>> job = cgroups->Create(40, "x");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(Read(fs::path((*job)->path()) / "pids.max"), "40");
  EXPECT_FALSE(fs::exists(fs::path((*job)->path()) / "memory.max")) << "v1: memory stays rlimit";
}

// The real kernel: a process in a job cgroup is bounded by pids.max, killed by KillAll, and the
// cgroup is gone afterwards.
TEST(RealJobCgroupTest, PidsMaxBindsAndKillAllEmptiesAndRemovesTheCgroup) {
  std::unique_ptr<JobCgroups> cgroups = JobCgroups::Setup({});
  if (!cgroups->available()) {
    GTEST_SKIP() << "this machine lets the test create no cgroup (cgroup v2 with the pids "
                    "controller delegated to it, or a writable cgroup v1 pids hierarchy): "
                 << cgroups->reason();
  }
  absl::StatusOr<std::unique_ptr<JobCgroup>> job = cgroups->Create(4, "test limit");
  ASSERT_TRUE(job.ok()) << job.status();
  const std::string path = (*job)->path();
  // A shell that waits to be moved, then tries to hold 8 sleeps at once under pids.max 4.
  absl::StatusOr<pid_t> shell = SpawnInOwnProcessGroup(
      "/bin/sh", {"-c", "sleep 0.3; for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait"}, {});
  ASSERT_TRUE(shell.ok()) << shell.status();
  ASSERT_TRUE((*job)->Add(*shell).ok());
  EXPECT_THAT(Read(absl::StrCat("/proc/", *shell, "/cgroup")),
              HasSubstr(fs::path(path).filename().string()));
  std::string hit;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(10);
       hit.empty() && absl::Now() < give_up; absl::SleepFor(absl::Milliseconds(50))) {
    hit = (*job)->LimitsHit();
  }
  EXPECT_THAT(hit, HasSubstr("the job reached its process limit: pids.max 4 (test limit)"));
  EXPECT_NE(Read(fs::path(path) / "cgroup.procs"), "") << "the sleeps that fit are running";
  (*job)->KillAll();
  // The shell (dead of SIGKILL, or of its failed fork) and every sleep are gone.
  EXPECT_EQ(Read(fs::path(path) / "cgroup.procs"), "");
  int status = 0;
  ASSERT_EQ(waitpid(*shell, &status, 0), *shell);
  job->reset();
  EXPECT_FALSE(fs::exists(path)) << "the job's cgroup is removed";
}

}  // namespace
}  // namespace parlab
