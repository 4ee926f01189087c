// `parlab compare` and `parlab export` end to end: runs written into a temp store through the
// real store::ResultStore, then the real `parlab` binary reads them back.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parlab/store/store.h"

namespace parlab::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Output {
  int exit_code = -1;
  std::string out;
};

// stdout of `parlab ARGS` (stderr to the test's log).
Output Parlab(const std::string& args) {
  Output output;
  std::string command = std::string(PARLAB_CLI_BIN) + " " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer;
  for (size_t n; (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    output.out.append(buffer.data(), n);
  }
  int status = pclose(pipe);
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

v1::JobResult Result(const std::string& job_id, const std::string& model, int concurrency,
                     double ms, const std::string& address = "127.0.0.1:4511",
                     const std::string& machine = "alpha") {
  v1::JobResult result;
  result.set_job_id(job_id);
  result.set_model(model);
  result.set_concurrency(concurrency);
  result.set_worker_address(address);
  result.set_machine(machine);
  result.set_status(v1::JOB_STATUS_OK);
  for (int i = 0; i < 6; ++i) {
    v1::Sample* sample = result.add_samples();
    sample->set_index(i);
    sample->set_wall_ns(static_cast<int64_t>(ms * 1e6 * (1 + 0.01 * i)));
    sample->set_user_ns(static_cast<int64_t>(ms * 1e6));
  }
  return result;
}

class StoredRunCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parlab-stored-run-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    store_path_ = (dir_ / "runs.db").string();
    absl::StatusOr<std::unique_ptr<store::ResultStore>> store =
        store::ResultStore::Open(store_path_);
    ASSERT_TRUE(store.ok()) << store.status();
    v1::Plan& plan = plan_;
    plan.set_name("cpu-sieve");
    plan.mutable_workload()->set_kind("primes.sieve");
    plan.add_models("sequential");
    plan.add_models("thread_pool");
    plan.add_concurrency(1);
    plan.add_concurrency(2);
    plan.set_repetitions(6);
    v1::WorkerDescription worker;
    worker.set_address("127.0.0.1:4511");
    worker.mutable_machine()->set_hostname("alpha");
    worker.mutable_machine()->set_cpu_model("Test CPU");
    worker.mutable_machine()->set_logical_cores(2);
    // Run A, then run B: thread_pool x2 twice as fast, sequential unchanged.
    for (const auto& [id, pool_ms] : {std::pair{"run-test-a", 22.0}, {"run-test-b", 11.0}}) {
      ASSERT_TRUE((*store)->BeginRun(id, plan).ok());
      ASSERT_TRUE((*store)->AddWorker(id, worker).ok());
      ASSERT_TRUE((*store)->AddResult(id, Result("j1", "sequential", 1, 40)).ok());
      ASSERT_TRUE((*store)->AddResult(id, Result("j2", "thread_pool", 2, pool_ms)).ok());
      ASSERT_TRUE((*store)->FinishRun(id, "finished").ok());
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string store_path_;
  v1::Plan plan_;
};

TEST_F(StoredRunCliTest, CompareTwoRunsPrintsVerdicts) {
  Output output = Parlab("compare run-test-a run-test-b --store " + store_path_);
  EXPECT_EQ(output.exit_code, 0) << output.out;
  EXPECT_THAT(output.out, HasSubstr("A: run-test-a on alpha"));
  EXPECT_THAT(output.out, HasSubstr("B: run-test-b on alpha"));
  EXPECT_THAT(output.out, HasSubstr("no significant difference"));
  EXPECT_THAT(output.out, HasSubstr("faster"));
  // The same plan on the same machine, yet thread_pool differs: the warning names it.
  EXPECT_THAT(output.out, HasSubstr("machine's state changed"));

  Output json = Parlab("compare run-test-a run-test-b --format json --store " + store_path_);
  ASSERT_EQ(json.exit_code, 0) << json.out;
  nlohmann::json doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["rows"].size(), 2u);
  EXPECT_EQ(doc["rows"][1]["verdict"], "faster");
  EXPECT_NEAR(doc["rows"][1]["ratio"].get<double>(), 0.5, 1e-9);
}

TEST_F(StoredRunCliTest, CompareNamesAMissingRunAndExitsTwo) {
  Output output = Parlab("compare run-test-a run-nope --store " + store_path_ + " 2>&1");
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.out, HasSubstr("run-nope"));
}

TEST_F(StoredRunCliTest, ExportWritesEveryFormat) {
  Output gbench = Parlab("export run-test-b --format gbench-json --store " + store_path_);
  ASSERT_EQ(gbench.exit_code, 0) << gbench.out;
  nlohmann::json doc = nlohmann::json::parse(gbench.out);
  EXPECT_EQ(doc["context"]["host_name"], "alpha");
  EXPECT_EQ(doc["benchmarks"][0]["name"], "primes.sieve/sequential/threads:1");
  EXPECT_EQ(doc["benchmarks"].size(), 2u * (6 + 4));

  Output csv = Parlab("export run-test-b --format csv --store " + store_path_);
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 3);  // header + 2 rows

  Output markdown = Parlab("export latest --format markdown --store " + store_path_);
  ASSERT_EQ(markdown.exit_code, 0);
  EXPECT_THAT(markdown.out, HasSubstr("### alpha (127.0.0.1:4511)"));
  EXPECT_THAT(markdown.out, HasSubstr("| thread_pool |"));
}

// One run reference for every command that reads a stored run: RUN@MACHINE picks one machine of a
// two-machine run in `export` and `results show` as it does in `compare`.
TEST_F(StoredRunCliTest, ExportShowAndCompareTakeTheSameRunReference) {
  {
    absl::StatusOr<std::unique_ptr<store::ResultStore>> store =
        store::ResultStore::Open(store_path_);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->BeginRun("run-test-two", plan_).ok());
    for (const auto& [host, address] :
         {std::pair{"alpha", "127.0.0.1:4511"}, {"beta", "127.0.0.1:4512"}}) {
      v1::WorkerDescription worker;
      worker.set_address(address);
      worker.mutable_machine()->set_hostname(host);
      worker.mutable_machine()->set_logical_cores(2);
      ASSERT_TRUE((*store)->AddWorker("run-test-two", worker).ok());
      ASSERT_TRUE((*store)
                      ->AddResult("run-test-two", Result(std::string("j1@") + host, "sequential", 1,
                                                         40, address, host))
                      .ok());
    }
    ASSERT_TRUE((*store)->FinishRun("run-test-two", "finished").ok());
  }
  Output both = Parlab("export run-test-two --format csv --store " + store_path_);
  ASSERT_EQ(both.exit_code, 0) << both.out;
  EXPECT_EQ(std::count(both.out.begin(), both.out.end(), '\n'), 3);  // header + a row per machine

  for (const std::string reference : {"run-test-two@beta", "run-test-two@127.0.0.1:4512"}) {
    Output beta = Parlab("export " + reference + " --format csv --store " + store_path_);
    ASSERT_EQ(beta.exit_code, 0) << reference;
    EXPECT_EQ(std::count(beta.out.begin(), beta.out.end(), '\n'), 2) << beta.out;
    EXPECT_THAT(beta.out, HasSubstr("beta"));
    EXPECT_THAT(beta.out, Not(HasSubstr("alpha")));
  }
  Output shown = Parlab("results show run-test-two@alpha --format markdown --store " + store_path_);
  ASSERT_EQ(shown.exit_code, 0);
  EXPECT_THAT(shown.out, HasSubstr("### alpha (127.0.0.1:4511)"));
  EXPECT_THAT(shown.out, Not(HasSubstr("beta")));

  Output compared = Parlab("compare run-test-two@alpha run-test-two@beta --store " + store_path_);
  EXPECT_EQ(compared.exit_code, 0) << compared.out;

  // A machine the run does not have is named as such, not "not in the store".
  Output unknown = Parlab("export run-test-two@gamma --store " + store_path_ + " 2>&1");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.out, HasSubstr("no machine \"gamma\" (it ran on alpha"));
}

// The CI gate: B = run-test-a (thread_pool x2 at 22 ms) against A = run-test-b (11 ms) is a
// significant 100% slowdown; the other way round, and sequential (unchanged), pass.
TEST_F(StoredRunCliTest, FailIfSlowerExitsOneOnlyOnASignificantSlowdown) {
  Output slower =
      Parlab("compare run-test-b run-test-a --fail-if-slower 10 --store " + store_path_ + " 2>&1");
  EXPECT_EQ(slower.exit_code, 1) << slower.out;
  EXPECT_THAT(slower.out, HasSubstr("1 row of B slower than A by more than 10%"));
  EXPECT_THAT(slower.out, HasSubstr("thread_pool x2: B/A 2.000"));
  EXPECT_THAT(slower.out, Not(HasSubstr("sequential x1: B/A")));

  Output faster =
      Parlab("compare run-test-a run-test-b --fail-if-slower 10% --store " + store_path_ + " 2>&1");
  EXPECT_EQ(faster.exit_code, 0) << faster.out;
  EXPECT_THAT(faster.out, HasSubstr("no row of B is significantly slower than A by more than 10%"));

  // Twice as slow is not more than 150% slower.
  EXPECT_EQ(
      Parlab("compare run-test-b run-test-a --fail-if-slower 150 --store " + store_path_).exit_code,
      0);
  Output bad =
      Parlab("compare run-test-b run-test-a --fail-if-slower -3 --store " + store_path_ + " 2>&1");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.out, HasSubstr("--fail-if-slower: must be a percentage from 0 to 1000"));
  EXPECT_EQ(Parlab("export run-test-a --fail-if-slower 5 --store " + store_path_).exit_code, 2);
}

TEST_F(StoredRunCliTest, HtmlFromExportShowAndCompare) {
  for (const std::string& command : {"export run-test-b", "results show run-test-b"}) {
    Output html = Parlab(command + " --format html --store " + store_path_);
    ASSERT_EQ(html.exit_code, 0) << command;
    EXPECT_THAT(html.out, HasSubstr("<!DOCTYPE html>")) << command;
    EXPECT_THAT(html.out, HasSubstr("parlab: plan cpu-sieve (run-test-b)")) << command;
    EXPECT_THAT(html.out, HasSubstr("id=\"m0-wall\"")) << command;
  }
  Output compare = Parlab("compare run-test-a run-test-b --format html --store " + store_path_);
  ASSERT_EQ(compare.exit_code, 0);
  EXPECT_THAT(compare.out, HasSubstr("id=\"compare-chart\""));
  EXPECT_THAT(compare.out, HasSubstr("<td class=\"faster\">faster</td>"));
}

// `parlab serve` refuses, before listening, an address beyond loopback without HTTPS and tokens
// (naming the flags, --insecure among them) and a missing store.
TEST_F(StoredRunCliTest, ServeRefusesANonLoopbackAddressAndAMissingStore) {
  Output open = Parlab("serve --store " + store_path_ + " --listen 0.0.0.0:7480 2>&1");
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_THAT(open.out, HasSubstr("--listen 0.0.0.0:7480: a non-loopback address needs TLS and a "
                                  "token; add --tls-cert/--tls-key FILE and --tokens FILE"));
  EXPECT_THAT(open.out, HasSubstr("--insecure"));
  Output missing =
      Parlab("serve --store " + (dir_ / "none.db").string() + " --listen 127.0.0.1:0 2>&1");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.out, HasSubstr("no such file"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "none.db"));     // nothing created
  EXPECT_EQ(Parlab("serve --format json 2>&1").exit_code, 2);  // a flag serve does not read
}

}  // namespace
}  // namespace parlab::cli
