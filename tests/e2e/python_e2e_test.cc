// The python workload end to end through `parlab run`: a local run imports the module from the
// plan file's own folder and runs it under every model; a remote worker allows only its
// --python-path folders; bad modules are refused before any job runs, naming the field, the file
// and the Python error.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "process.h"

namespace parlab::e2e {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kModule[] = R"PY(
import parlab


def count_primes(n):
    sieve = bytearray([1]) * (n + 1)
    sieve[0:2] = b"\x00\x00"
    for k in range(2, int(n**0.5) + 1):
        if sieve[k]:
            sieve[k * k :: k] = bytearray(len(range(k * k, n + 1, k)))
    return sum(sieve)


def check_primes(n, result):
    return result == sum(1 for k in range(2, n + 1) if all(k % d for d in range(2, int(k**0.5) + 1)))


async def nap(ms):
    await parlab.sleep(ms / 1000)
    return ms


def one_arg_check(result):
    return True
)PY";

class PythonE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/parlab-py-e2e-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/plans");
    std::filesystem::create_directories(root_ + "/allowed");
    Write("plans/seeds.py", kModule);
    Write("allowed/seeds.py", kModule);
    Write("plans/broken.py", "def count_primes(n:\n    return n\n");
    Write("outside.py", kModule);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Write(const std::string& relative, const std::string& text) {
    std::ofstream(root_ + "/" + relative) << text;
  }

  std::string Plan(const Json& params, const std::vector<std::string>& models) {
    Json plan = {{"name", "python-e2e"}, {"workload", {{"kind", "python"}, {"params", params}}},
                 {"models", models},     {"concurrency", {2}},
                 {"repetitions", 1},     {"warmup", 0}};
    const std::string path = root_ + "/plans/plan-" + std::to_string(plans_++) + ".json";
    std::ofstream(path) << plan.dump();
    return path;
  }

  Completed Parlab(std::vector<std::string> args) {
    args.insert(args.begin(), PARLAB_CLI_BIN);
    return RunToCompletion(args);
  }

  // Refused with exit 2 before any job: nothing on stdout, no job's progress on stderr.
  void ExpectRejected(const std::string& plan, const std::vector<std::string>& extra,
                      const std::vector<std::string>& expected) {
    std::vector<std::string> args = {"run", plan};
    args.insert(args.end(), extra.begin(), extra.end());
    Completed run = Parlab(args);
    EXPECT_EQ(run.exit_code, 2) << run.err;
    EXPECT_EQ(run.out, "");
    EXPECT_THAT(run.err, ::testing::Not(HasSubstr("measure 1/1")));
    for (const std::string& text : expected) EXPECT_THAT(run.err, HasSubstr(text));
  }

  std::string root_;
  int plans_ = 0;
};

TEST_F(PythonE2eTest, ALocalRunImportsFromThePlanFolderUnderEveryModel) {
  const std::vector<std::string> models = {"sequential",    "threads",      "thread_pool",
                                           "processes",     "process_pool", "coroutines",
                                           "coroutines_mt", "fibers"};
  for (const Json& params :
       {Json{{"module", "seeds.py"},
             {"function", "count_primes"},
             {"check", "check_primes"},
             {"range", {3000, 3006}}},
        Json{{"module", "seeds.py"}, {"function", "nap"}, {"args", {5, 6, 7, 8, 9, 10}}}}) {
    Completed run = Parlab({"run", Plan(params, models), "--format", "json", "--no-store"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    Json doc = Json::parse(run.out);
    ASSERT_EQ(doc["results"].size(), models.size());
    for (const Json& record : doc["results"]) {
      SCOPED_TRACE(record["model"].get<std::string>());
      EXPECT_EQ(record["status"], "OK") << record["error"];
      for (const Json& sample : record["samples"]) {
        EXPECT_EQ(sample["tasks"].get<int>(), 6);
        EXPECT_TRUE(sample["metrics"].contains("python_init_ms")) << sample.dump();
      }
    }
  }
}

TEST_F(PythonE2eTest, BadModulesAreRefusedBeforeAnyJob) {
  const std::vector<std::string> local = {"--no-store"};
  ExpectRejected(
      Plan({{"module", "missing.py"}, {"function", "f"}, {"range", {1, 3}}}, {"sequential"}), local,
      {"plan.workload.params.module: no file \"missing.py\""});
  ExpectRejected(Plan({{"module", "broken.py"}, {"function", "count_primes"}, {"range", {1, 3}}},
                      {"sequential"}),
                 local, {"plan.workload.params.module: cannot import", "broken.py", "SyntaxError"});
  ExpectRejected(
      Plan({{"module", "seeds.py"}, {"function", "nope"}, {"range", {1, 3}}}, {"threads"}), local,
      {"plan.workload.params.function:", "seeds.py has no function 'nope'"});
  ExpectRejected(Plan({{"module", "seeds.py"},
                       {"function", "count_primes"},
                       {"check", "one_arg_check"},
                       {"range", {1, 3}}},
                      {"threads"}),
                 local, {"plan.workload.params.check: one_arg_check(result) in", "seeds.py"});
  ExpectRejected(
      Plan({{"module", "../outside.py"}, {"function", "nap"}, {"range", {1, 3}}}, {"sequential"}),
      local, {"plan.workload.params.module: \"../outside.py\" is outside the directories"});
}

TEST_F(PythonE2eTest, ARemoteWorkerAllowsOnlyItsPythonPath) {
  Daemon bare({PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(bare.ok()) << bare.error();
  const std::string plan =
      Plan({{"module", "seeds.py"}, {"function", "nap"}, {"range", {1, 3}}}, {"coroutines"});
  // The plan's folder counts only for the auto-started local worker.
  ExpectRejected(
      plan, {"--workers", bare.address(), "--no-store"},
      {"allows Python code from no directory", "--python-path", "on worker " + bare.address()});

  Daemon allowed(
      {PARLAB_WORKER_BIN, "--listen", "127.0.0.1:0", "--python-path", root_ + "/allowed"});
  ASSERT_TRUE(allowed.ok()) << allowed.error();
  Completed run = Parlab({"run", plan, "--workers", allowed.address(), "--no-store"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ExpectRejected(
      Plan({{"module", root_ + "/plans/seeds.py"}, {"function", "nap"}, {"range", {1, 3}}},
           {"coroutines"}),
      {"--workers", allowed.address(), "--no-store"}, {"is outside the directories"});
}

}  // namespace
}  // namespace parlab::e2e
