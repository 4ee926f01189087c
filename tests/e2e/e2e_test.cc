// End-to-end through the real `parlab` binary: a real parlab-worker (and parlab-coordinator),
// a tiny sieve plan under all six models, results checked in the JSON output; bad inputs exit
// non-zero naming the field.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace parlab::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

const std::vector<std::string> kModels = {"sequential",    "threads",      "thread_pool",
                                          "processes",     "process_pool", "coroutines",
                                          "coroutines_mt", "fibers"};

// sieve 1000..1100: 100 tasks, each verified against pi(n).
constexpr int kTasks = 100;
constexpr int kRepetitions = 2;
constexpr int kWarmup = 1;

std::string TinyPlan(const std::vector<std::string>& models = kModels) {
  Json plan = {{"name", "e2e-sieve"},
               {"workload", {{"kind", "primes.sieve"}, {"params", {{"from", 1000}, {"to", 1100}}}}},
               {"models", models},
               {"concurrency", {1, 2}},
               {"repetitions", kRepetitions},
               {"warmup", kWarmup}};
  return plan.dump();
}

class E2eTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const std::string& path : files_) std::filesystem::remove(path);
  }

  std::string WritePlan(const std::string& text) {
    std::string path =
        (std::filesystem::temp_directory_path() /
         ("parlab-e2e-" + std::to_string(getpid()) + "-" + std::to_string(files_.size()) + ".json"))
            .string();
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }

  // `parlab ARGS...`
  Completed Parlab(std::vector<std::string> args) {
    args.insert(args.begin(), PARLAB_CLI_BIN);
    return RunToCompletion(args);
  }

  // A bad plan must exit 2 with nothing on stdout and the field (and value) on stderr.
  void ExpectRejected(const std::string& plan_text, const std::vector<std::string>& extra,
                      const std::vector<std::string>& expected_in_stderr) {
    std::vector<std::string> args = {"run", WritePlan(plan_text)};
    args.insert(args.end(), extra.begin(), extra.end());
    Completed run = Parlab(args);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_EQ(run.out, "");
    for (const std::string& text : expected_in_stderr) EXPECT_THAT(run.err, HasSubstr(text));
  }

  std::vector<std::string> files_;
};

// One record per model x concurrency (sequential only at 1), each OK with verified samples.
void ExpectCompleteResults(const Completed& run) {
  ASSERT_EQ(run.exit_code, 0) << "stderr:\n" << run.err << "\nstdout:\n" << run.out;
  Json doc = Json::parse(run.out);  // stdout is exactly one JSON document
  ASSERT_EQ(doc["machines"].size(), 1u);
  EXPECT_GE(doc["machines"][0]["logical_cores"].get<int>(), 1);
  std::map<std::pair<std::string, int>, Json> records;
  for (const Json& record : doc["results"]) {
    auto key = std::make_pair(record["model"].get<std::string>(), record["concurrency"].get<int>());
    EXPECT_FALSE(records.count(key)) << "duplicate record " << key.first << " x" << key.second;
    records[key] = record;
  }
  std::set<std::pair<std::string, int>> expected;
  for (const std::string& model : kModels) {
    expected.emplace(model, 1);
    if (model != "sequential") expected.emplace(model, 2);
  }
  std::set<std::pair<std::string, int>> got;
  for (const auto& [key, record] : records) got.insert(key);
  EXPECT_EQ(got, expected);
  for (const auto& [key, record] : records) {
    SCOPED_TRACE(key.first + " x" + std::to_string(key.second));
    EXPECT_EQ(record["status"], "OK") << record["error"];
    int measured = 0, warmups = 0;
    for (const Json& sample : record["samples"]) {
      (sample["warmup"].get<bool>() ? warmups : measured)++;
      EXPECT_GT(sample["wall_ns"].get<int64_t>(), 0);
      EXPECT_EQ(sample["tasks"].get<int>(), kTasks);  // every task ran and verified
    }
    EXPECT_EQ(measured, kRepetitions);
    // Interleaved (the default order): every round is a fresh runner with its own warm-ups.
    EXPECT_EQ(warmups, kWarmup * kRepetitions);
    ASSERT_FALSE(record["aggregates"].is_null());
    EXPECT_GT(record["aggregates"]["median_wall_ns"].get<double>(), 0);
    // The baseline ran OK on this machine, so every row has a speedup.
    EXPECT_GT(record["aggregates"]["speedup"].get<double>(), 0);
  }
  const Json& baseline = records[std::make_pair(std::string("sequential"), 1)];
  EXPECT_DOUBLE_EQ(baseline["aggregates"]["speedup"].get<double>(), 1.0);
  EXPECT_EQ(doc["summary"]["jobs_failed"], 0);
  EXPECT_THAT(run.err, HasSubstr("measure 2/2"));  // progress lines on stderr
}

TEST_F(E2eTest, RunsOnWorkersGivenOnTheCommandLine) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed run =
      Parlab({"run", WritePlan(TinyPlan()), "--workers", worker.address(), "--format", "json"});
  ExpectCompleteResults(run);
  EXPECT_THAT(run.err, HasSubstr("[" + worker.address() + "] thread_pool x2: measure"));
}

TEST_F(E2eTest, RunsThroughACoordinatorDaemon) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Daemon coordinator(
      {PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--workers", worker.address()});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Completed run = Parlab(
      {"run", WritePlan(TinyPlan()), "--coordinator", coordinator.address(), "--format", "json"});
  ExpectCompleteResults(run);
}

TEST_F(E2eTest, StartsALocalWorkerWhenNoAddressIsGiven) {
  Completed run = Parlab({"run", WritePlan(TinyPlan()), "--format", "json"});
  ExpectCompleteResults(run);
  // The local worker is silent (it said nothing on stderr) and gone once parlab exits: its port,
  // named in the results, refuses connections.
  EXPECT_THAT(run.err, Not(HasSubstr("parlab-worker")));
  Json results = Json::parse(run.out);
  const std::string address = results["machines"][0]["worker"].get<std::string>();
  ASSERT_THAT(address, HasSubstr("127.0.0.1:")) << run.out;
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)), -1);
  EXPECT_EQ(errno, ECONNREFUSED);
  close(fd);
}

TEST_F(E2eTest, TableFormat) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed run = Parlab(
      {"run", WritePlan(TinyPlan({"sequential", "thread_pool"})), "--workers", worker.address()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("plan e2e-sieve: primes.sieve {from=1000, to=1100}"));
  EXPECT_THAT(run.out, ::testing::ContainsRegex("machine +model +conc +median"));
  EXPECT_THAT(run.out, ::testing::ContainsRegex("sequential +1 .* 1\\.00x +100% +OK"));
  EXPECT_THAT(run.out, ::testing::ContainsRegex("thread_pool +2 .*x .*% +OK"));
}

// A crashing plugin fails its own jobs only; the rest are measured and printed; exit 1.
TEST_F(E2eTest, AFailedJobIsReportedAndTheRunGoesOn) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--plugins",
                 std::string(PARLAB_PLUGIN_DIR) + ":" + PARLAB_TEST_PLUGIN_DIR});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed run = Parlab({"run", WritePlan(TinyPlan({"sequential", "crash_segv", "thread_pool"})),
                          "--workers", worker.address(), "--format", "json"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  Json doc = Json::parse(run.out);
  std::map<std::string, std::string> status;
  for (const Json& record : doc["results"]) {
    status[record["model"].get<std::string>() + " x" +
           std::to_string(record["concurrency"].get<int>())] = record["status"];
    if (record["model"] == "crash_segv") {
      EXPECT_NE(record["error"], "");
      EXPECT_TRUE(record["aggregates"].is_null());
    }
  }
  EXPECT_EQ(status, (std::map<std::string, std::string>{{"sequential x1", "OK"},
                                                        {"crash_segv x1", "FAILED"},
                                                        {"crash_segv x2", "FAILED"},
                                                        {"thread_pool x1", "OK"},
                                                        {"thread_pool x2", "OK"}}));
  EXPECT_EQ(doc["summary"]["jobs_failed"], 2);
}

// A worker that dies mid-run fails the jobs it had left; what it measured before is kept.
TEST_F(E2eTest, AWorkerDyingMidRunFailsItsRemainingJobs) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Json plan = {{"workload", {{"kind", "sleep"}, {"params", {{"tasks", 10}, {"ms", 50}}}}},
               {"models", {"sequential", "threads"}},
               {"concurrency", {1, 2}},
               {"repetitions", 1},
               {"warmup", 0},
               {"order", "grouped"}};  // job results stream as each job ends
  bool killed = false;
  Completed run =
      RunToCompletion({PARLAB_CLI_BIN, "run", WritePlan(plan.dump()), "--workers", worker.address(),
                       "--format", "json"},
                      absl::Seconds(60), [&](const std::string& err) {
                        if (!killed && err.find("sequential x1: OK") != std::string::npos) {
                          worker.Kill();
                          killed = true;
                        }
                      });
  ASSERT_TRUE(killed) << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  Json doc = Json::parse(run.out);
  ASSERT_EQ(doc["results"].size(), 3u) << run.out;
  EXPECT_EQ(doc["results"][0]["model"], "sequential");
  EXPECT_EQ(doc["results"][0]["status"], "OK");
  EXPECT_EQ(doc["results"][0]["samples"].size(), 1u);
  for (int i : {1, 2}) {
    EXPECT_EQ(doc["results"][i]["model"], "threads");
    EXPECT_EQ(doc["results"][i]["status"], "FAILED");
    EXPECT_THAT(doc["results"][i]["error"].get<std::string>(), HasSubstr(worker.address()));
  }
}

// --coordinator with --workers: the daemon runs on the workers the request names.
TEST_F(E2eTest, ACoordinatorRunsOnTheWorkersARequestNames) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Daemon coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Completed run =
      Parlab({"run", WritePlan(TinyPlan({"sequential"})), "--coordinator", coordinator.address(),
              "--workers", worker.address(), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json doc = Json::parse(run.out);
  ASSERT_EQ(doc["results"].size(), 1u);
  EXPECT_EQ(doc["results"][0]["worker"], worker.address());
  EXPECT_EQ(doc["results"][0]["status"], "OK");
}

TEST_F(E2eTest, WorkersCommandListsTheModels) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  Completed run = Parlab({"workers", "--workers", worker.address(), "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  Json doc = Json::parse(run.out);
  ASSERT_EQ(doc["workers"].size(), 1u);
  std::set<std::string> models;
  for (const Json& model : doc["workers"][0]["models"]) models.insert(model["name"]);
  EXPECT_EQ(models, std::set<std::string>(kModels.begin(), kModels.end()));
  Completed text = Parlab({"workers", "--workers", worker.address()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("primes.sieve"));
  // Short by default (one line of models and workloads per worker); --long has the details.
  EXPECT_THAT(text.out, Not(HasSubstr("workloads:\n")));
  EXPECT_LT(std::count(text.out.begin(), text.out.end(), '\n'), 10) << text.out;
  Completed long_text = Parlab({"workers", "--workers", worker.address(), "--long"});
  ASSERT_EQ(long_text.exit_code, 0) << long_text.err;
  EXPECT_THAT(long_text.out, HasSubstr("  workloads:\n"));
  EXPECT_GT(std::count(long_text.out.begin(), long_text.out.end(), '\n'), 20) << long_text.out;
}

// gRPC's SO_REUSEPORT would let a second daemon share a busy port and take half of its
// connections: both daemons refuse it, say why and exit 2.
TEST_F(E2eTest, DaemonsRefuseABusyPort) {
  for (const char* binary : {PARLAB_WORKER_BIN, PARLAB_COORDINATOR_BIN}) {
    SCOPED_TRACE(binary);
    Daemon first({binary, "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(first.ok()) << first.error();
    Completed second = RunToCompletion({binary, "--listen", first.address()}, absl::Seconds(20));
    EXPECT_EQ(second.exit_code, 2) << second.err;
    EXPECT_THAT(second.err, HasSubstr(first.address()));
    EXPECT_THAT(second.err, HasSubstr("in use"));
    EXPECT_THAT(second.out, ::testing::Not(HasSubstr("listening on")));
  }
}

TEST_F(E2eTest, HelpAndVersion) {
  Completed help = Parlab({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: parlab run PLAN.json"));
  Completed version = Parlab({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("parlab 0.1.0"));
  // The daemons print theirs and exit (the worker once started serving instead).
  for (const char* binary : {PARLAB_WORKER_BIN, PARLAB_COORDINATOR_BIN}) {
    Completed daemon = RunToCompletion({binary, "--version"}, absl::Seconds(20));
    EXPECT_EQ(daemon.exit_code, 0) << binary << ": " << daemon.err;
    EXPECT_THAT(daemon.out,
                HasSubstr(std::filesystem::path(binary).filename().string() + " 0.1.0"));
    EXPECT_THAT(daemon.err, Not(HasSubstr("event=start"))) << binary;
  }
  Completed bad = Parlab({"run", "p.json", "--format", "xml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err,
              HasSubstr("--format: must be table, markdown, csv, json, gbench-json or html, "
                        R"(got "xml")"));
}

// Plans that are wrong in themselves fail before any worker is contacted.
TEST_F(E2eTest, BadPlansNameTheField) {
  const std::vector<std::string> unreachable = {"--workers", "127.0.0.1:1"};
  ExpectRejected("{\"models\": [\"sequential\",]", unreachable, {"plan: malformed JSON at line 1"});
  ExpectRejected(
      R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"], "concurrency": [1, 2, 0]})",
      unreachable, {"plan.concurrency[2]: must be >= 1, got 0"});
  ExpectRejected(
      R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"], "repetitions": 0})",
      unreachable, {"plan.repetitions: must be >= 1, got 0"});
  ExpectRejected(R"({"workload": {"kind": "no.such"}, "models": ["sequential"]})", unreachable,
                 {"plan.workload.kind", "no.such"});
  ExpectRejected(
      R"({"workload": {"kind": "primes.sieve", "params": {"from": 2000, "to": 1000}}, "models": ["sequential"]})",
      unreachable, {"plan.workload.params.to", "1000"});
}

TEST_F(E2eTest, UnknownModelIsNamedBeforeAnyJobRuns) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  ExpectRejected(TinyPlan({"sequential", "threads", "no_such_model"}),
                 {"--workers", worker.address()},
                 {"plan.models[2]: unknown model \"no_such_model\" on worker " + worker.address(),
                  "thread_pool"});
}

// A level the plan allows but this worker cannot hold: refused against the worker's PUs
// before any job runs (99,999 units need a machine of 1,563+ PUs).
TEST_F(E2eTest, ConcurrencyOverAWorkersLimitIsNamedBeforeAnyJobRuns) {
  Daemon worker({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(worker.ok()) << worker.error();
  ExpectRejected(
      R"({"workload": {"kind": "primes.sieve"}, "models": ["thread_pool"], "concurrency": [1, 99999]})",
      {"--workers", worker.address()},
      {"plan.concurrency[1]: must be <= ", " on worker " + worker.address(), "got 99999"});
}

// A refused connection fails at once; only silence waits for --connect-timeout.
TEST_F(E2eTest, UnreachableWorkerIsNamedWithinSeconds) {
  std::string plan = WritePlan(TinyPlan());
  Completed run = Parlab({"run", plan, "--workers", "127.0.0.1:1", "--connect-timeout", "60"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("worker 127.0.0.1:1: unreachable (connection refused"));
  EXPECT_LT(run.elapsed, absl::Seconds(10));  // not the 60 s timeout
}

TEST_F(E2eTest, CoordinatorWithAnUnreachableWorker) {
  Daemon coordinator({PARLAB_COORDINATOR_BIN, "--listen", "127.0.0.1:0", "--workers", "127.0.0.1:1",
                      "--connect-timeout", "1"});
  ASSERT_TRUE(coordinator.ok()) << coordinator.error();
  Completed run = Parlab({"run", WritePlan(TinyPlan()), "--coordinator", coordinator.address()});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_THAT(run.err, HasSubstr("worker 127.0.0.1:1: unreachable"));
  Completed none = Parlab(
      {"run", WritePlan(TinyPlan()), "--coordinator", "127.0.0.1:1", "--connect-timeout", "1"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("coordinator 127.0.0.1:1: unreachable"));
}

}  // namespace
}  // namespace parlab::e2e
