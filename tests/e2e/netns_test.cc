// A cluster on one machine: a coordinator and three workers, each in its own network namespace
// (own interfaces, addresses and TCP stack), joined by veth pairs to a bridge in the
// coordinator's namespace:
//
//   netns C:  br0 10.77.0.1/24 ── bI (veth) ═══ eth0 (veth) 10.77.0.1I/24  netns W_I, I = 1..3
//
// parlab-worker runs in each W_I, parlab-coordinator and the `parlab` CLI in C. A broadcast run
// and a shard run complete; then one worker is SIGKILLed and another's link is cut mid-run:
// the run ends in bounded time, both failures named, every result of the healthy worker kept.
//
// Every channel runs TLS with tokens, as on a real network (docs/security.md): a lab CA and a
// certificate per address made by scripts/make-lab-certs.sh, the CLI with a submit-role token,
// the coordinator with its own submit-role token towards the workers.
//
// Needs root and `ip netns` (iproute2); skipped, saying why, otherwise. The namespaces are
// removed on every exit path (NetnsLab's destructor), and every process the test started is
// killed (the test is a subreaper, so orphans re-parent to it and are found).
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process_tree.h"
#include "support/lab_certs.h"

namespace parlab::cluster_test {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr int kWorkers = 3;
constexpr char kCoordinatorIp[] = "10.77.0.1";

std::string WorkerIp(int i) { return absl::StrCat("10.77.0.", 10 + i); }

std::string FindIp() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

// Runs `ip ARGS...`; the error carries its stderr.
absl::Status Ip(const std::string& ip, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ip};
  argv.insert(argv.end(), args.begin(), args.end());
  Child child(argv);
  if (!child.started()) return absl::InternalError(child.error());
  std::optional<int> code = child.Wait(absl::Seconds(20));
  if (!code.has_value()) return absl::DeadlineExceededError(absl::StrJoin(argv, " "));
  if (*code != 0) {
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), ": exit ", *code, ": ", child.err()));
  }
  return absl::OkStatus();
}

// The namespaces and links; removed by the destructor, whatever happened.
class NetnsLab {
 public:
  static absl::StatusOr<std::unique_ptr<NetnsLab>> Create(const std::string& ip, int workers) {
    std::unique_ptr<NetnsLab> lab(new NetnsLab(ip));
    const std::string tag = std::to_string(getpid());
    lab->coordinator_ns_ = "plc" + tag;
    if (absl::Status s = lab->AddNamespace(lab->coordinator_ns_); !s.ok()) return s;
    const std::string& c = lab->coordinator_ns_;
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"-n", c, "link", "set", "lo", "up"},
             {"-n", c, "link", "add", "br0", "type", "bridge"},
             {"-n", c, "addr", "add", absl::StrCat(kCoordinatorIp, "/24"), "dev", "br0"},
             {"-n", c, "link", "set", "br0", "up"}}) {
      if (absl::Status s = Ip(ip, args); !s.ok()) return s;
    }
    for (int i = 1; i <= workers; ++i) {
      const std::string w = absl::StrCat("plw", tag, "-", i);
      if (absl::Status s = lab->AddNamespace(w); !s.ok()) return s;
      lab->worker_ns_.push_back(w);
      const std::string bridge_end = absl::StrCat("b", i);
      for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
               {"-n", w, "link", "set", "lo", "up"},
               {"-n", c, "link", "add", bridge_end, "type", "veth", "peer", "name", "eth0", "netns",
                w},
               {"-n", c, "link", "set", bridge_end, "master", "br0"},
               {"-n", c, "link", "set", bridge_end, "up"},
               {"-n", w, "addr", "add", absl::StrCat(WorkerIp(i), "/24"), "dev", "eth0"},
               {"-n", w, "link", "set", "eth0", "up"}}) {
        if (absl::Status s = Ip(ip, args); !s.ok()) return s;
      }
    }
    return lab;
  }

  ~NetnsLab() {
    for (auto it = names_.rbegin(); it != names_.rend(); ++it) {
      absl::Status ignored = Ip(ip_, {"netns", "del", *it});
      (void)ignored;
    }
  }

  const std::string& coordinator_ns() const { return coordinator_ns_; }
  const std::string& worker_ns(int i) const { return worker_ns_[i - 1]; }

  // `ip netns exec NS argv...`
  std::vector<std::string> Exec(const std::string& ns, const std::vector<std::string>& argv) const {
    std::vector<std::string> full = {ip_, "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
  }

  // The cable is pulled: both ends down, packets to and from the worker vanish silently.
  absl::Status CutLink(int i) const {
    absl::Status bridge_side =
        Ip(ip_, {"-n", coordinator_ns_, "link", "set", absl::StrCat("b", i), "down"});
    if (!bridge_side.ok()) return bridge_side;
    return Ip(ip_, {"-n", worker_ns(i), "link", "set", "eth0", "down"});
  }

 private:
  explicit NetnsLab(std::string ip) : ip_(std::move(ip)) {}

  absl::Status AddNamespace(const std::string& name) {
    absl::Status added = Ip(ip_, {"netns", "add", name});
    if (added.ok()) names_.push_back(name);
    return added;
  }

  std::string ip_;
  std::string coordinator_ns_;
  std::vector<std::string> worker_ns_;
  std::vector<std::string> names_;  // created, to delete
};

class NetnsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces (ip netns)";
    ip_ = FindIp();
    if (ip_.empty()) GTEST_SKIP() << "iproute2's `ip` is not installed (scripts/setup.sh adds it)";
    // A namespace we may not create (no CAP_SYS_ADMIN / CAP_NET_ADMIN in a container) is an
    // environment without `ip netns`, not a parlab failure.
    const std::string probe = absl::StrCat("plprobe", getpid());
    if (absl::Status s = Ip(ip_, {"netns", "add", probe}); !s.ok()) {
      GTEST_SKIP() << "`ip netns` is not available here: " << s.message();
    }
    ASSERT_TRUE(Ip(ip_, {"netns", "del", probe}).ok());
    ASSERT_TRUE(BecomeSubreaper());

    dir_ = std::filesystem::temp_directory_path() / ("parlab-netns-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    setenv("PARLAB_STORE", (dir_ / "store.db").c_str(), 1);

    std::vector<std::string> hosts = {kCoordinatorIp};
    for (int i = 1; i <= kWorkers; ++i) hosts.push_back(WorkerIp(i));
    absl::StatusOr<test_support::LabCerts> certs = test_support::LabCerts::Make(hosts);
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    const std::string tokens = certs_.WriteFile(
        "tokens", "cli submit cli-0123456789abcdef0123\ncoord submit coord-0123456789abcdef01\n");
    cli_token_ = certs_.WriteFile("cli.token", "cli-0123456789abcdef0123\n");
    const std::string coord_token = certs_.WriteFile("coord.token", "coord-0123456789abcdef01\n");
    auto tls = [&](const std::string& host) {
      return std::vector<std::string>{
          "--tls-cert", certs_.Cert(host), "--tls-key", certs_.Key(host),
          "--tls-ca",   certs_.ca(),       "--tokens",  tokens};
    };

    absl::StatusOr<std::unique_ptr<NetnsLab>> lab = NetnsLab::Create(ip_, kWorkers);
    ASSERT_TRUE(lab.ok()) << lab.status();
    lab_ = *std::move(lab);

    for (int i = 1; i <= kWorkers; ++i) {
      std::vector<std::string> argv = {PARLAB_WORKER_BIN, "--listen",
                                       absl::StrCat(WorkerIp(i), ":0")};
      for (const std::string& arg : tls(WorkerIp(i))) argv.push_back(arg);
      workers_.push_back(std::make_unique<Child>(lab_->Exec(lab_->worker_ns(i), argv)));
      ASSERT_TRUE(workers_.back()->started()) << workers_.back()->error();
    }
    for (const auto& worker : workers_) {
      std::string address = worker->WaitForListening(absl::Seconds(30));
      ASSERT_FALSE(address.empty()) << worker->err();
      worker_addresses_.push_back(address);
    }
    // A worker must be reachable from the coordinator's namespace, and only through the link.
    EXPECT_THAT(worker_addresses_[0], HasSubstr(WorkerIp(1)));

    // The coordinator knows the workers (--workers), so a submit-role client may name them.
    std::vector<std::string> argv = {PARLAB_COORDINATOR_BIN,
                                     "--listen",
                                     absl::StrCat(kCoordinatorIp, ":0"),
                                     "--workers",
                                     absl::StrJoin(worker_addresses_, ","),
                                     "--token-file",
                                     coord_token};
    for (const std::string& arg : tls(kCoordinatorIp)) argv.push_back(arg);
    coordinator_ = std::make_unique<Child>(lab_->Exec(lab_->coordinator_ns(), argv));
    ASSERT_TRUE(coordinator_->started()) << coordinator_->error();
    coordinator_address_ = coordinator_->WaitForListening(absl::Seconds(30));
    ASSERT_FALSE(coordinator_address_.empty()) << coordinator_->err();
  }

  void TearDown() override {
    coordinator_.reset();
    workers_.clear();
    KillDescendants({});
    lab_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string WritePlan(const Json& plan) {
    const std::string path = (dir_ / absl::StrCat("plan-", plans_++, ".json")).string();
    std::ofstream(path) << plan.dump();
    return path;
  }

  // `parlab run PLAN` in the coordinator's namespace, submitted to the coordinator daemon.
  std::unique_ptr<Child> StartRun(const std::string& plan_path) {
    return std::make_unique<Child>(
        lab_->Exec(lab_->coordinator_ns(),
                   {PARLAB_CLI_BIN, "run", plan_path, "--coordinator", coordinator_address_,
                    "--workers", absl::StrJoin(worker_addresses_, ","), "--format", "json",
                    "--progress", "lines", "--tls-ca", certs_.ca(), "--token-file", cli_token_}));
  }

  // Results by worker address.
  static std::map<std::string, std::vector<Json>> ByWorker(const Json& doc) {
    std::map<std::string, std::vector<Json>> by_worker;
    for (const Json& result : doc["results"]) by_worker[result["worker"]].push_back(result);
    return by_worker;
  }

  static int Measured(const Json& result) {
    int measured = 0;
    for (const Json& sample : result["samples"]) measured += sample["warmup"].get<bool>() ? 0 : 1;
    return measured;
  }

  std::string ip_;
  test_support::LabCerts certs_;
  std::string cli_token_;
  std::filesystem::path dir_;
  std::unique_ptr<NetnsLab> lab_;
  std::vector<std::unique_ptr<Child>> workers_;
  std::vector<std::string> worker_addresses_;
  std::unique_ptr<Child> coordinator_;
  std::string coordinator_address_;
  int plans_ = 0;
};

Json SleepPlan(int tasks, int ms, int repetitions) {
  return {{"name", "netns"},
          {"workload", {{"kind", "sleep"}, {"params", {{"tasks", tasks}, {"ms", ms}}}}},
          {"models", {"sequential", "threads"}},
          {"concurrency", {1, 2}},
          {"repetitions", repetitions},
          {"warmup", 0}};
}

TEST_F(NetnsClusterTest, BroadcastRunsTheWholePlanOnEveryWorker) {
  std::unique_ptr<Child> run = StartRun(WritePlan(SleepPlan(4, 20, 2)));
  std::optional<int> code = run->Wait(absl::Seconds(90));
  ASSERT_TRUE(code.has_value()) << "no end within 90 s\n" << run->err();
  ASSERT_EQ(*code, 0) << run->err() << run->out();
  Json doc = Json::parse(run->out());
  std::map<std::string, std::vector<Json>> by_worker = ByWorker(doc);
  ASSERT_EQ(by_worker.size(), 3u) << run->out();
  for (const std::string& address : worker_addresses_) {
    // sequential x1, threads x1, threads x2: the whole plan, every repetition.
    ASSERT_EQ(by_worker[address].size(), 3u) << address << "\n" << run->out();
    for (const Json& result : by_worker[address]) {
      EXPECT_EQ(result["status"], "OK") << result.dump();
      EXPECT_EQ(Measured(result), 2) << result.dump();
    }
  }
}

TEST_F(NetnsClusterTest, ShardSplitsTheTasksAcrossTheWorkers) {
  constexpr int kTasks = 12;
  Json plan = SleepPlan(kTasks, 20, 2);
  plan["mode"] = "shard";
  std::unique_ptr<Child> run = StartRun(WritePlan(plan));
  std::optional<int> code = run->Wait(absl::Seconds(90));
  ASSERT_TRUE(code.has_value()) << "no end within 90 s\n" << run->err();
  ASSERT_EQ(*code, 0) << run->err() << run->out();
  Json doc = Json::parse(run->out());
  // Every worker ran a share (the per-worker breakdown) and the shares add up to the workload:
  // for each model x concurrency, each measured repetition covers the kTasks tasks once.
  std::map<std::string, std::vector<Json>> by_worker = ByWorker(doc);
  for (const std::string& address : worker_addresses_) {
    EXPECT_FALSE(by_worker[address].empty()) << address << " ran nothing\n" << run->out();
  }
  // The cluster-wide rows (worker "cluster", if the report has them) cover every task too.
  std::map<std::string, uint64_t> tasks_per_row;
  std::map<std::string, uint64_t> cluster_tasks_per_row;
  for (const Json& result : doc["results"]) {
    EXPECT_EQ(result["status"], "OK") << result.dump();
    const std::string row =
        absl::StrCat(result["model"].get<std::string>(), " x", result["concurrency"].get<int>());
    auto& sum = result["worker"] == "cluster" ? cluster_tasks_per_row : tasks_per_row;
    for (const Json& sample : result["samples"]) {
      if (!sample["warmup"].get<bool>()) sum[row] += sample["tasks"].get<uint64_t>();
    }
  }
  ASSERT_EQ(tasks_per_row.size(), 3u) << run->out();
  for (const auto& [row, tasks] : tasks_per_row) {
    EXPECT_EQ(tasks, 2u * kTasks) << row << ": 2 repetitions of " << kTasks << " tasks";
  }
  for (const auto& [row, tasks] : cluster_tasks_per_row) {
    EXPECT_EQ(tasks, 2u * kTasks) << "cluster " << row;
  }
}

TEST_F(NetnsClusterTest, AKilledWorkerAndACutLinkFailTheirJobsAndTheRestIsKept) {
  constexpr int kRepetitions = 6;
  std::unique_ptr<Child> run = StartRun(WritePlan(SleepPlan(4, 100, kRepetitions)));
  ASSERT_TRUE(run->started()) << run->error();
  // Every worker finished its first round (each job has a measured sample) and is in its second.
  ASSERT_TRUE(run->WaitForOutput(
      [&](const std::string&, const std::string& err) {
        for (const std::string& address : worker_addresses_) {
          if (err.find(absl::StrCat("[", address, "] ")) == std::string::npos) return false;
          const std::string second = absl::StrCat("measure 2/", kRepetitions);
          bool found = false;
          for (size_t at = err.find(absl::StrCat("[", address, "] ")); at != std::string::npos;
               at = err.find(absl::StrCat("[", address, "] "), at + 1)) {
            const size_t end = err.find('\n', at);
            if (err.substr(at, end - at).find(second) != std::string::npos) found = true;
          }
          if (!found) return false;
        }
        return true;
      },
      absl::Seconds(90)))
      << run->err();

  workers_[1]->Kill();                 // worker 2: the machine dies
  ASSERT_TRUE(lab_->CutLink(3).ok());  // worker 3: the cable is pulled
  const absl::Time cut = absl::Now();

  std::optional<int> code = run->Wait(absl::Seconds(90));
  ASSERT_TRUE(code.has_value()) << "the run hung after losing two workers\n" << run->err();
  const absl::Duration after_cut = absl::Now() - cut;
  EXPECT_LT(after_cut, absl::Seconds(60)) << run->err();
  EXPECT_EQ(*code, 1) << run->err() << run->out();

  Json doc = Json::parse(run->out(), nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(doc.is_discarded()) << "stdout is not JSON:\n" << run->out() << run->err();
  std::map<std::string, std::vector<Json>> by_worker = ByWorker(doc);
  // The healthy worker: every job, every repetition.
  ASSERT_EQ(by_worker[worker_addresses_[0]].size(), 3u) << run->out();
  for (const Json& result : by_worker[worker_addresses_[0]]) {
    EXPECT_EQ(result["status"], "OK") << result.dump();
    EXPECT_EQ(Measured(result), kRepetitions) << result.dump();
  }
  // The lost ones: failed, the reason given, what they measured before kept.
  for (int i : {1, 2}) {
    const std::string& address = worker_addresses_[i];
    ASSERT_FALSE(by_worker[address].empty()) << address << "\n" << run->out();
    bool any_failed = false;
    int measured = 0;
    for (const Json& result : by_worker[address]) {
      if (result["status"] != "OK") {
        any_failed = true;
        EXPECT_FALSE(result["error"].get<std::string>().empty()) << result.dump();
      }
      measured += Measured(result);
    }
    EXPECT_TRUE(any_failed) << address << "\n" << run->out();
    EXPECT_GE(measured, 3) << address << ": round 1 of its three jobs was measured";
    EXPECT_LT(measured, 3 * kRepetitions) << address;
  }
  std::cerr << "--- the run's stderr ---\n"
            << run->err() << "--- after the cut: " << after_cut << "\n";
}

}  // namespace
}  // namespace parlab::cluster_test
