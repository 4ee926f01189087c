// deploy/slurm/parlab.sbatch on a real Slurm cluster: tests/deploy/slurm_cluster.sh starts
// slurmctld and slurmd (Debian's packages, installed by scripts/setup.sh) for this machine
// alone, submits the script on a tiny plan and stops the cluster; this test checks what the job
// left in its results dir and that no daemon of either kind outlived it. Needs root (it starts
// Slurm's daemons), which CI has.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "deploy/deploy_test_util.h"
#include "e2e/process.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace parlab::deploy_test {
namespace {

namespace fs = std::filesystem;

// Three jobs (sequential x1, threads x1, threads x2) of four 1 ms sleeps: the plan is not what
// is tested, the deployment is.
constexpr char kPlan[] = R"({
  "name": "slurm-smoke",
  "workload": {"kind": "sleep", "params": {"tasks": 4, "ms": 1}},
  "models": ["sequential", "threads"],
  "concurrency": [1, 2],
  "warmup": 0,
  "repetitions": 1
})";

std::string ProcFile(int pid, const char* name) {
  std::string text = ReadFile(absl::StrCat("/proc/", pid, "/", name));
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

// Live (not zombie) processes of this test's cluster: those whose command line or environment
// names the work dir. slurmd, slurmctld, slurmstepd and every process of the job (workers,
// coordinator, runners) carry SLURM_CONF=<work>/slurm.conf; other tests' parlab daemons do not.
std::vector<std::string> Leftovers(const std::string& work) {
  std::vector<std::string> found;
  for (const fs::directory_entry& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    if (pid == getpid()) continue;
    const std::string stat = ProcFile(pid, "stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos || stat.substr(paren + 2, 1) == "Z") continue;
    const std::string cmdline = ProcFile(pid, "cmdline");
    if (cmdline.find(work) != std::string::npos ||
        ProcFile(pid, "environ").find(work) != std::string::npos) {
      found.push_back(absl::StrCat(pid, " ", cmdline));
    }
  }
  return found;
}

class SlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root: it starts slurmctld and slurmd (CI runs the suite as root)";
    }
    char pattern[] = "/tmp/parlab-slurm-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    work_ = pattern;
    std::ofstream(work_ + "/plan.json") << kPlan;
  }
  void TearDown() override {
    if (work_.empty()) return;
    // Whatever the assertions said, nothing of this cluster may outlive the test.
    for (const std::string& leftover : Leftovers(work_)) {
      kill(std::stoi(leftover), SIGKILL);
    }
    if (!HasFailure()) fs::remove_all(work_);
  }

  std::string work_;
};

TEST_F(SlurmTest, SbatchRunsAPlanOnEveryNodeAndCleansUp) {
  const std::string bin_dir = fs::path(PARLAB_WORKER_BIN).parent_path().string();
  e2e::Completed cluster = e2e::RunToCompletion(
      {"/bin/bash", std::string(PARLAB_SOURCE_DIR) + "/tests/deploy/slurm_cluster.sh", bin_dir,
       DeployPath("slurm/parlab.sbatch"), work_ + "/plan.json", work_},
      absl::Seconds(150));
  // Seen with --output-on-failure or when run by hand: how long a whole cluster cycle takes.
  std::cout << "slurm cluster cycle: " << absl::ToDoubleSeconds(cluster.elapsed) << " s\n"
            << cluster.err;
  const std::string job_out = ReadFile(work_ + "/job.out");
  ASSERT_FALSE(cluster.timed_out) << cluster.err << "\njob output:\n" << job_out;
  ASSERT_EQ(cluster.exit_code, 0) << cluster.err << "\njob output:\n" << job_out;
  EXPECT_EQ(ReadFile(work_ + "/job.state"), "COMPLETED 0:0\n");

  const std::string results_dir = work_ + "/results";
  const std::string results_text = ReadFile(results_dir + "/results.json");
  ASSERT_FALSE(results_text.empty()) << results_dir << "/results.json is missing\n" << job_out;
  const nlohmann::json results = nlohmann::json::parse(results_text, nullptr, false);
  ASSERT_FALSE(results.is_discarded()) << "results.json is not JSON:\n" << results_text;
  EXPECT_EQ(results["format"], "parlab.results/v1");
  EXPECT_EQ(results["summary"]["jobs_ok"], 3) << results["summary"].dump();
  EXPECT_EQ(results["summary"]["jobs_failed"], 0) << results["summary"].dump();
  ASSERT_EQ(results["results"].size(), 3u);
  for (const nlohmann::json& record : results["results"]) {
    EXPECT_EQ(record["status"], "OK")
        << record["model"] << " x" << record["concurrency"] << ": " << record["error"];
  }
  // One node, so one machine: the worker the srun step started on it.
  ASSERT_EQ(results["machines"].size(), 1u) << results["machines"].dump();
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(results["machines"][0]["hostname"], host);

  // The coordinator's store kept the run under the id the JSON reports.
  const std::string store = results_dir + "/runs.db";
  ASSERT_TRUE(fs::exists(store)) << store << " is missing; job output:\n" << job_out;
  e2e::Completed list = e2e::RunToCompletion(
      {PARLAB_CLI_BIN, "results", "list", "--store", store, "--format", "json"}, absl::Seconds(20));
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find(results["run_id"].get<std::string>()), std::string::npos)
      << "run " << results["run_id"] << " not in the store:\n"
      << list.out;

  // The workers registered themselves, labelled with their Slurm node.
  const std::string workers = ReadFile(results_dir + "/workers.txt");
  EXPECT_NE(job_out.find("discovery register"), std::string::npos) << job_out;
  const std::string node = std::string(host).substr(0, std::string(host).find('.'));
  EXPECT_NE(workers.find(absl::StrCat("slurm_node=", node)), std::string::npos) << workers;

  const std::vector<std::string> leftovers = Leftovers(work_);
  EXPECT_TRUE(leftovers.empty()) << "still running after the cluster stopped:\n"
                                 << absl::StrJoin(leftovers, "\n");
}

}  // namespace
}  // namespace parlab::deploy_test
