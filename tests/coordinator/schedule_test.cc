// Which jobs a worker runs for a plan, and the checks made before any job starts.
#include "parlab/coordinator/schedule.h"

#include <set>
#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::coordinator {
namespace {

using ::testing::HasSubstr;

v1::WorkerDescription Worker() {
  v1::WorkerDescription worker;
  worker.set_address("127.0.0.1:4511");
  for (auto [name, max] : std::vector<std::pair<std::string, int>>{
           {"sequential", 1}, {"thread_pool", 0}, {"limited", 2}}) {
    v1::ModelInfo* model = worker.add_models();
    model->set_name(name);
    model->set_max_concurrency(max);
  }
  worker.add_workloads()->set_kind("primes.sieve");
  worker.add_workloads()->set_kind("sleep");
  worker.add_workloads()->set_kind("queue");
  return worker;
}

v1::Plan Plan(std::vector<std::string> models, std::vector<int> levels) {
  v1::Plan plan;
  plan.set_name("p");
  plan.mutable_workload()->set_kind("primes.sieve");
  (*plan.mutable_workload()->mutable_params())["to"] = "2000";
  for (const std::string& model : models) plan.add_models(model);
  for (int level : levels) plan.add_concurrency(level);
  plan.set_repetitions(3);
  plan.set_warmup(1);
  return plan;
}

TEST(PlanJobsTest, SequentialModelsRunOnceAtConcurrencyOne) {
  std::vector<PlannedJob> jobs =
      PlanJobs(Plan({"sequential", "thread_pool"}, {2, 4}), Worker(), "r/");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].job.model(), "sequential");
  EXPECT_EQ(jobs[0].job.concurrency(), 1);  // even though the plan lists only 2 and 4
  EXPECT_EQ(jobs[1].job.model(), "thread_pool");
  EXPECT_EQ(jobs[1].job.concurrency(), 2);
  EXPECT_EQ(jobs[2].job.concurrency(), 4);
  for (const PlannedJob& planned : jobs) {
    EXPECT_TRUE(planned.skip_reason.empty());
    EXPECT_EQ(planned.job.repetitions(), 3);
    EXPECT_EQ(planned.job.warmup(), 1);
    EXPECT_EQ(planned.job.plan_name(), "p");
    EXPECT_EQ(planned.job.workload().params().at("to"), "2000");
    EXPECT_EQ(planned.job.job_id().rfind("r/", 0), 0u);
  }
  EXPECT_NE(jobs[1].job.job_id(), jobs[2].job.job_id());
}

TEST(PlanJobsTest, ASweepRunsEveryJobAtEveryValue) {
  v1::Plan plan = Plan({"sequential", "thread_pool"}, {2});
  plan.mutable_sweep()->set_param("to");
  plan.mutable_sweep()->add_values("16000");
  plan.mutable_sweep()->add_values("4000");
  plan.set_affinity("compact");
  std::vector<PlannedJob> jobs = PlanJobs(plan, Worker(), "r/");
  ASSERT_EQ(jobs.size(), 4u);
  std::vector<std::tuple<std::string, int, std::string, std::string>> got;
  std::set<std::string> ids;
  for (const PlannedJob& planned : jobs) {
    got.emplace_back(planned.job.model(), planned.job.concurrency(), planned.job.sweep_value(),
                     planned.job.workload().params().at("to"));
    ids.insert(planned.job.job_id());
    EXPECT_EQ(planned.job.affinity(), "compact");
  }
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, int, std::string, std::string>>{
                     {"sequential", 1, "16000", "16000"},
                     {"sequential", 1, "4000", "4000"},
                     {"thread_pool", 2, "16000", "16000"},
                     {"thread_pool", 2, "4000", "4000"}}));
  EXPECT_EQ(ids.size(), 4u);  // distinct job ids
  EXPECT_EQ(jobs[3].job.job_id(), "r/thread_pool@2:to=4000");
}

TEST(PlanJobsTest, LevelsAboveABoundedModelAreSkippedWithAReason) {
  std::vector<PlannedJob> jobs = PlanJobs(Plan({"limited"}, {1, 2, 4}), Worker(), "");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_TRUE(jobs[0].skip_reason.empty());
  EXPECT_TRUE(jobs[1].skip_reason.empty());
  EXPECT_THAT(jobs[2].skip_reason, HasSubstr("limited supports concurrency <= 2"));
  EXPECT_THAT(jobs[2].skip_reason, HasSubstr("4"));
}

TEST(PlanJobsTest, EveryJobCarriesThePlansTimeout) {
  v1::Plan plan = Plan({"sequential", "thread_pool"}, {2});
  plan.set_job_timeout_s(30);
  for (const PlannedJob& planned : PlanJobs(plan, Worker(), "r/")) {
    EXPECT_EQ(planned.job.job_timeout_s(), 30) << planned.job.job_id();
  }
}

TEST(PlanJobsTest, WithoutATimeoutJobsGetOneANormalRunNeverReaches) {
  v1::Plan plan = Plan({"thread_pool"}, {2});
  plan.set_warmup(0);
  plan.set_repetitions(1);  // one run: the floor
  EXPECT_EQ(PlanJobs(plan, Worker(), "r/")[0].job.job_timeout_s(), kMinJobTimeoutSeconds);
  plan.set_warmup(1);
  plan.set_repetitions(9);  // 10 runs of up to 300 s each
  EXPECT_EQ(PlanJobs(plan, Worker(), "r/")[0].job.job_timeout_s(), 10 * kJobSecondsPerRun);
}

TEST(CheckWorkerHasPlanTest, AcceptsAPlanItCanRun) {
  EXPECT_TRUE(CheckWorkerHasPlan(Plan({"sequential", "limited"}, {1}), Worker()).ok());
}

TEST(CheckWorkerHasPlanTest, NamesTheUnknownModelAndWhatTheWorkerHas) {
  absl::Status status =
      CheckWorkerHasPlan(Plan({"sequential", "thread_pool", "foo"}, {1}), Worker());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("plan.models[2]: unknown model \"foo\" on worker 127.0.0.1:4511 "
                        "(it has: sequential, thread_pool, limited)"));
}

TEST(CheckWorkerHasPlanTest, MentionsRefusedPlugins) {
  v1::WorkerDescription worker = Worker();
  v1::RefusedPlugin* refused = worker.add_refused();
  refused->set_path("/p/foo.so");
  refused->set_reason("ABI version 99 is not supported");
  absl::Status status = CheckWorkerHasPlan(Plan({"foo"}, {1}), worker);
  EXPECT_THAT(std::string(status.message()), HasSubstr("refused /p/foo.so: ABI version 99"));
}

TEST(CheckWorkerHasPlanTest, NamesAWorkloadTheWorkerLacks) {
  v1::Plan plan = Plan({"sequential"}, {1});
  plan.mutable_workload()->set_kind("matrix.multiply");
  absl::Status status = CheckWorkerHasPlan(plan, Worker());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("plan.workload.kind: unknown workload \"matrix.multiply\" on worker "
                        "127.0.0.1:4511 (it has: primes.sieve, sleep, queue)"));
}

TEST(CheckWorkerHasPlanTest, RefusesACombinationThatCannotWorkBeforeAnyJob) {
  v1::Plan plan = Plan({"thread_pool", "sequential"}, {2});
  plan.mutable_workload()->set_kind("queue");
  plan.mutable_workload()->clear_params();
  absl::Status status = CheckWorkerHasPlan(plan, Worker());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("plan.models[1]: sequential at concurrency 1 cannot run queue: "
                        "queue cannot run under sequential"));
  plan = Plan({"thread_pool"}, {1});
  plan.mutable_workload()->set_kind("queue");
  plan.mutable_workload()->clear_params();
  EXPECT_THAT(std::string(CheckWorkerHasPlan(plan, Worker()).message()),
              HasSubstr("plan.models[0]: thread_pool at concurrency 1 cannot run queue"));
  plan = Plan({"thread_pool"}, {2});
  plan.mutable_workload()->set_kind("queue");
  plan.mutable_workload()->clear_params();
  EXPECT_TRUE(CheckWorkerHasPlan(plan, Worker()).ok());
}

TEST(CheckWorkerHasPlanTest, RefusesAUrlTheWorkerDoesNotAllowBeforeAnyJob) {
  v1::WorkerDescription worker = Worker();
  worker.add_workloads()->set_kind("http.get");
  v1::Plan plan = Plan({"thread_pool"}, {1});
  plan.mutable_workload()->set_kind("http.get");
  plan.mutable_workload()->clear_params();
  (*plan.mutable_workload()->mutable_params())["url"] = "http://10.0.0.5:8080/";
  // A worker that describes no allowance (older than the field) allows loopback only.
  EXPECT_THAT(std::string(CheckWorkerHasPlan(plan, worker).message()),
              HasSubstr("plan.workload.params.url: host 10.0.0.5:8080 is not allowed by the worker "
                        "127.0.0.1:4511 (allowed: loopback;"));
  worker.add_allow_http("10.0.0.5");
  EXPECT_TRUE(CheckWorkerHasPlan(plan, worker).ok());
  // A sweep over the url is checked value by value.
  plan.mutable_sweep()->set_param("url");
  plan.mutable_sweep()->add_values("http://10.0.0.5:1/");
  plan.mutable_sweep()->add_values("http://10.0.0.6/");
  EXPECT_THAT(std::string(CheckWorkerHasPlan(plan, worker).message()),
              HasSubstr("host 10.0.0.6:80 is not allowed by the worker 127.0.0.1:4511 "
                        "(allowed: 10.0.0.5;"));
}

}  // namespace
}  // namespace parlab::coordinator
