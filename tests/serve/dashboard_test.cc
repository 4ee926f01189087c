// `parlab serve`'s Dashboard on a real store: the history of a plan with a planted 20% slowdown
// flags exactly that run (page and JSON), a same-distribution series flags none, the run list
// filters by plan, machine and date, every page has its JSON twin, and the read-only connection
// reads a run while it is being written without blocking the writer.
#include "parlab/serve/dashboard.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "parlab/store/store.h"

namespace parlab::serve {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

v1::WorkerDescription Worker(const std::string& host) {
  v1::WorkerDescription worker;
  worker.set_address(host + ":4511");
  worker.mutable_machine()->set_hostname(host);
  worker.mutable_machine()->set_cpu_model("Test CPU");
  worker.mutable_machine()->set_logical_cores(2);
  return worker;
}

v1::JobResult Result(const std::string& host, const std::string& model, int concurrency,
                     std::mt19937_64& rng, double ms) {
  std::lognormal_distribution<double> wall(std::log(ms * 1e6), 0.03);
  v1::JobResult result;
  result.set_job_id(absl::StrCat(model, "@", concurrency));
  result.set_model(model);
  result.set_concurrency(concurrency);
  result.set_worker_address(host + ":4511");
  result.set_machine(host);
  result.set_status(v1::JOB_STATUS_OK);
  for (int i = 0; i < 5; ++i) {
    v1::Sample* s = result.add_samples();
    s->set_index(i);
    s->set_wall_ns(static_cast<int64_t>(wall(rng)));
  }
  return result;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("parlab-serve-test-", getpid(), "-",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "runs.db").string();
    absl::StatusOr<std::unique_ptr<store::ResultStore>> writer = store::ResultStore::Open(path_);
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = std::move(*writer);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  v1::Plan Plan(const std::string& name) {
    v1::Plan plan;
    plan.set_name(name);
    plan.mutable_workload()->set_kind("primes.sieve");
    plan.add_models("sequential");
    plan.add_models("threads");
    plan.add_concurrency(1);
    plan.add_concurrency(2);
    plan.set_repetitions(5);
    return plan;
  }

  // `count` runs of `plan` on `host`; threads x2 at 20 ms, times `factor` from run `step_at`.
  std::vector<std::string> StoreSeries(const std::string& plan, const std::string& host, int count,
                                       int step_at, double factor, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> ids;
    for (int r = 0; r < count; ++r) {
      std::string id = absl::StrFormat("run-%s-%s-%02d", plan, host, r);
      EXPECT_TRUE(writer_->BeginRun(id, Plan(plan)).ok());
      EXPECT_TRUE(writer_->AddWorker(id, Worker(host)).ok());
      EXPECT_TRUE(writer_->AddResult(id, Result(host, "sequential", 1, rng, 40)).ok());
      const double ms = 20 * (step_at >= 0 && r >= step_at ? factor : 1);
      EXPECT_TRUE(writer_->AddResult(id, Result(host, "threads", 2, rng, ms)).ok());
      EXPECT_TRUE(writer_->FinishRun(id, "finished").ok());
      ids.push_back(id);
    }
    return ids;
  }

  HttpResponse Get(const std::string& target) {
    absl::StatusOr<std::unique_ptr<store::ResultStore>> reader =
        store::ResultStore::OpenReadOnly(path_);
    EXPECT_TRUE(reader.ok()) << reader.status();
    Dashboard dashboard(**reader);
    return dashboard.Handle(target);
  }

  Json GetJson(const std::string& target) {
    HttpResponse response = Get(target);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    return Json::parse(response.body);
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::ResultStore> writer_;
};

TEST_F(DashboardTest, HistoryFlagsExactlyThePlantedSlowdown) {
  std::vector<std::string> ids = StoreSeries("sieve", "alpha", 12, 8, 1.2, 1);
  StoreSeries("sieve", "beta", 12, -1, 1, 2);  // another machine: not in alpha's history
  Json history = GetJson("/api/history?plan=sieve&machine=alpha");
  EXPECT_EQ(history["format"], "parlab.history/v1");
  EXPECT_THAT(history["method"].get<std::string>(), HasSubstr("Mann-Whitney U"));
  ASSERT_EQ(history["rows"].size(), 2u);
  for (const Json& row : history["rows"]) {
    ASSERT_EQ(row["points"].size(), 12u);
    for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(row["points"][i]["run_id"], ids[i]);
    if (row["model"] == "threads") {
      ASSERT_EQ(row["flags"].size(), 1u) << row["flags"].dump();
      EXPECT_EQ(row["flags"][0]["run_id"], ids[8]);
      EXPECT_EQ(row["flags"][0]["verdict"], "regression");
      EXPECT_NEAR(row["flags"][0]["ratio"].get<double>(), 1.2, 0.1) << row.dump();
    } else {
      EXPECT_TRUE(row["flags"].empty()) << row["flags"].dump();
    }
  }
  // The page marks the same run, and only it.
  HttpResponse page = Get("/history?plan=sieve&machine=alpha");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<td class=\"slower\">regression</td>"));
  size_t marks = 0;
  for (size_t at = page.body.find(">regression</td>"); at != std::string::npos;
       at = page.body.find(">regression</td>", at + 1)) {
    ++marks;
  }
  EXPECT_EQ(marks, 1u);
}

TEST_F(DashboardTest, SameDistributionHistoryFlagsNothing) {
  StoreSeries("steady", "alpha", 20, -1, 1, 7);
  Json history = GetJson("/api/history?plan=steady&machine=alpha");
  ASSERT_EQ(history["rows"].size(), 2u);
  for (const Json& row : history["rows"]) EXPECT_TRUE(row["flags"].empty()) << row.dump();
  EXPECT_THAT(Get("/history?plan=steady&machine=alpha").body, Not(HasSubstr(">regression<")));
}

TEST_F(DashboardTest, RunListFiltersAndEveryPageHasJson) {
  std::vector<std::string> a = StoreSeries("sieve", "alpha", 3, -1, 1, 3);
  StoreSeries("other", "beta", 2, -1, 1, 4);
  EXPECT_EQ(GetJson("/api/runs").size(), 5u);
  EXPECT_EQ(GetJson("/api/runs?plan=sieve").size(), 3u);
  EXPECT_EQ(GetJson("/api/runs?machine=beta").size(), 2u);
  EXPECT_EQ(GetJson("/api/runs?plan=sieve&machine=beta").size(), 0u);
  EXPECT_EQ(GetJson("/api/runs?from=2999-01-01").size(), 0u);
  EXPECT_EQ(GetJson("/api/runs?from=2000-01-01&to=2999-12-31").size(), 5u);
  HttpResponse bad = Get("/api/runs?from=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("from: must be a date YYYY-MM-DD, got \\\"yesterday\\\""));

  HttpResponse list = Get("/?plan=sieve");
  ASSERT_EQ(list.status, 200);
  EXPECT_THAT(list.body, HasSubstr("data-run=\"" + a[2] + "\""));
  EXPECT_THAT(list.body, Not(HasSubstr("run-other")));
  EXPECT_THAT(list.body, HasSubstr("/history?plan=sieve&amp;machine=alpha"));

  EXPECT_EQ(GetJson("/api/run/" + a[0])["format"], "parlab.results/v1");
  EXPECT_THAT(Get("/run/" + a[0]).body, HasSubstr("id=\"m0-wall\""));
  Json compare = GetJson("/api/compare?a=" + a[0] + "&b=" + a[1]);
  EXPECT_EQ(compare["format"], "parlab.compare/v1");
  EXPECT_EQ(compare["rows"].size(), 2u);
  EXPECT_THAT(Get("/compare?a=" + a[0] + "&b=" + a[1]).body, HasSubstr("id=\"compare-chart\""));

  EXPECT_EQ(Get("/run/run-nope").status, 404);
  EXPECT_EQ(Get("/api/run/run-nope").status, 404);
  EXPECT_EQ(Get("/compare?a=" + a[0]).status, 400);
  EXPECT_EQ(Get("/nowhere").status, 404);
  // A hostile id comes back escaped in the error page.
  EXPECT_THAT(Get("/run/%3Cscript%3E").body, Not(HasSubstr("<script>")));
}

TEST_F(DashboardTest, ReadsARunWhileItIsWrittenWithoutBlockingTheWriter) {
  ASSERT_TRUE(writer_->BeginRun("run-live", Plan("live")).ok());
  ASSERT_TRUE(writer_->AddWorker("run-live", Worker("alpha")).ok());
  absl::StatusOr<std::unique_ptr<store::ResultStore>> reader =
      store::ResultStore::OpenReadOnly(path_);
  ASSERT_TRUE(reader.ok()) << reader.status();
  Dashboard dashboard(**reader);
  Json runs = Json::parse(dashboard.Handle("/api/runs").body);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["state"], "running");  // the reader did not mark it incomplete
  std::mt19937_64 rng(5);
  // The writer goes on while the reader is open, and the reader sees each result.
  ASSERT_TRUE(writer_->AddResult("run-live", Result("alpha", "sequential", 1, rng, 40)).ok());
  EXPECT_EQ(Json::parse(dashboard.Handle("/api/runs").body)[0]["jobs_ok"], 1);
  ASSERT_TRUE(writer_->FinishRun("run-live", "finished").ok());
  EXPECT_EQ(Json::parse(dashboard.Handle("/api/runs").body)[0]["state"], "finished");
  // The read-only connection cannot write.
  EXPECT_FALSE((*reader)->BeginRun("run-sneaky", Plan("live")).ok());
  EXPECT_FALSE(store::ResultStore::OpenReadOnly((dir_ / "none.db").string()).ok());
}

// Which addresses may be served is the bind policy's question (https_test.cc); this is syntax.
TEST(ListenAddressTest, HostPortWithAnIpOrLocalhost) {
  for (const char* ok : {"127.0.0.1:7480", "127.0.0.1:0", "[::1]:7480", "localhost:1",
                         "0.0.0.0:7480", "10.1.2.3:80", "[::]:7480"}) {
    EXPECT_TRUE(CheckListenAddress(ok).ok()) << ok;
  }
  EXPECT_THAT(std::string(CheckListenAddress("example.com:80").message()),
              HasSubstr("must be an IP address or localhost"));
  EXPECT_THAT(std::string(CheckListenAddress("7480").message()), HasSubstr("must be HOST:PORT"));
}

}  // namespace
}  // namespace parlab::serve
