// Plan limits: deep nesting, huge files and fields, runaway counts and duplicate keys are all
// refused with the field, the value and the limit, before anything runs.
#include "parlab/coordinator/plan_limits.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/plan.h"

namespace parlab::coordinator {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(text, PlanLimits());
  EXPECT_FALSE(plan.ok()) << text.substr(0, 200);
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(plan.status().message());
}

std::string PlanWith(const std::string& extra) {
  return R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"], )" + extra + "}";
}

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// A file in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("parlab-plan-limits-" + std::to_string(getpid()) + ".json")) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(PlanLimitsTest, DeepNestingIsRefusedWithoutCrashing) {
  // 100,000 levels used to overflow the stack while the error printed the value.
  EXPECT_THAT(ErrorOf(PlanWith(R"("name": )" + Nested(100'000))),
              AllOf(HasSubstr("plan.name[0][0]"), HasSubstr(": nested deeper than 16 levels")));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": )" + Nested(100'000))),
              HasSubstr("plan.concurrency[0][0][0]"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve", "params": {"to": )" +
                      Nested(100'000) + "}}}"),
              HasSubstr("plan.workload.params.to[0]"));
  // Shallow bad values still get their own message, shortened.
  EXPECT_THAT(ErrorOf(PlanWith(R"("name": )" + Nested(5))),
              HasSubstr("plan.name: must be a string, got [[[[[]]]]]"));
}

TEST(PlanLimitsTest, OversizedTextIsRefusedBeforeParsing) {
  // Not even JSON: only a size check that comes first can say "bytes" here.
  const std::string huge(2 << 20, '{');
  EXPECT_EQ(ErrorOf(huge),
            "plan: must be at most 1048576 bytes (PARLAB_MAX_PLAN_BYTES raises it), got 2097152 "
            "bytes");
  PlanLimits small;
  small.max_plan_bytes = 2048;
  absl::StatusOr<v1::Plan> plan =
      ParsePlanJson(PlanWith(R"("description": ")" + std::string(4000, 'x') + "\""), small);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("must be at most 2048 bytes"));
}

TEST(PlanLimitsTest, OversizedFileIsRefusedBeforeReading) {
  const std::string text = PlanWith(R"("description": ")" + std::string(3 << 20, 'x') + "\"");
  TempFile file(text);
  absl::StatusOr<v1::Plan> plan = LoadPlanFile(file.path(), PlanLimits());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(plan.status().message()),
              AllOf(HasSubstr(file.path()), HasSubstr("must be at most 1048576 bytes"),
                    HasSubstr("got " + std::to_string(text.size()) + " bytes")));
}

TEST(PlanLimitsTest, EnvironmentRaisesTheSizeLimitAndRefusesBadValues) {
  ASSERT_EQ(setenv(kMaxPlanBytesEnv, "4194304", 1), 0);
  absl::StatusOr<PlanLimits> limits = PlanLimitsFromEnv();
  ASSERT_TRUE(limits.ok()) << limits.status();
  EXPECT_EQ(limits->max_plan_bytes, 4 << 20);
  ASSERT_EQ(setenv(kMaxPlanBytesEnv, "lots", 1), 0);
  EXPECT_EQ(PlanLimitsFromEnv().status().message(),
            "PARLAB_MAX_PLAN_BYTES: must be an integer in [1024, 67108864], got \"lots\"");
  ASSERT_EQ(setenv(kMaxPlanBytesEnv, "1000000000", 1), 0);
  EXPECT_FALSE(PlanLimitsFromEnv().ok());
  ASSERT_EQ(unsetenv(kMaxPlanBytesEnv), 0);
  limits = PlanLimitsFromEnv();
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ(limits->max_plan_bytes, kDefaultMaxPlanBytes);
}

TEST(PlanLimitsTest, LongStringFieldsAreRefused) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("description": ")" + std::string(20'000, 'd') + "\"")),
              AllOf(HasSubstr("plan.description: must be at most 16384 bytes, got 20000 bytes"),
                    Not(HasSubstr(std::string(100, 'd')))));
  EXPECT_THAT(ErrorOf(PlanWith(R"("name": ")" + std::string(300, 'n') + "\"")),
              HasSubstr("plan.name: must be at most 256 bytes, got 300 bytes"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "http.get", "params": {"url": ")" +
                      std::string(5000, 'u') + R"("}}, "models": ["sequential"]})"),
              HasSubstr("plan.workload.params.url: must be at most 4096 bytes, got 5000 bytes"));
}

TEST(PlanLimitsTest, RunawayCountsAreRefusedNamingTheLimit) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [1, 1000000000])")),
              HasSubstr("plan.concurrency[1]: must be <= 100000, got 1000000000"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [2147483647])")),
              HasSubstr("plan.concurrency[0]: must be <= 100000, got 2147483647"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("repetitions": 1000000000)")),
              HasSubstr("plan.repetitions: must be <= 10000, got 1000000000"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0.02, "max_repetitions": 1000000000)")),
              HasSubstr("plan.max_repetitions: must be <= 10000, got 1000000000"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("warmup": 1000000)")),
              HasSubstr("plan.warmup: must be <= 1000, got 1000000"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0.02, "time_budget_s": 1e300)")),
              HasSubstr("plan.time_budget_s: must be <= 604800 (a week), got 1e+300"));
  // The limits themselves are allowed.
  EXPECT_TRUE(ParsePlanJson(PlanWith(R"("concurrency": [100000], "repetitions": 10000, )"
                                     R"("warmup": 1000)"),
                            PlanLimits())
                  .ok());
}

TEST(PlanLimitsTest, DuplicateKeysAreRefusedNamingThePath) {
  EXPECT_EQ(ErrorOf(PlanWith(R"("repetitions": 1, "repetitions": 1000000)")),
            "plan.repetitions: duplicate key (JSON would keep only the last value)");
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve", "params": {"to": 20, "to": 30}},
                         "models": ["sequential"]})"),
              HasSubstr("plan.workload.params.to: duplicate key"));
  // The same key in two different objects is fine.
  EXPECT_TRUE(ParsePlanJson(R"({"workload": {"kind": "primes.sieve", "params": {"from": 2}},
                               "models": ["sequential"], "sweep": {"param": "from",
                               "values": [3, 4]}})",
                            PlanLimits())
                  .ok());
}

TEST(PlanLimitsTest, ProtoPlansFromClientsMeetTheSameLimits) {
  // A SubmitRun request never passes through the JSON parser.
  v1::Plan plan;
  plan.set_description(std::string(2 << 20, 'x'));
  EXPECT_THAT(std::string(ValidatePlan(plan, PlanLimits()).message()),
              HasSubstr("plan: must be at most 1048576 bytes"));
  plan.set_description(std::string(20'000, 'x'));
  EXPECT_THAT(std::string(ValidatePlan(plan, PlanLimits()).message()),
              HasSubstr("plan.description: must be at most 16384 bytes"));
  plan.clear_description();
  plan.set_repetitions(1'000'000);
  EXPECT_THAT(std::string(ValidatePlan(plan, PlanLimits()).message()),
              HasSubstr("plan.repetitions: must be <= 10000, got 1000000"));
}

// Requests to a url outside the runner (someone else's server) are capped per plan and worker,
// counting every job, warm-up and repetition; the runner's own server is not.
TEST(PlanLimitsTest, RequestsToAUrlAreCappedPerPlan) {
  const std::string url =
      R"("workload": {"kind": "http.get", "params": {"url": "http://10.0.0.5/", )";
  // 10,000 requests x (1 warm-up + 4 repetitions) x 2 models x 1 level = 100,000: at the cap.
  EXPECT_TRUE(
      ParsePlanJson(R"({)" + url + R"("requests": 10000}}, "models": ["sequential", "threads"],
      "concurrency": [1], "warmup": 1, "repetitions": 4})",
                    PlanLimits())
          .ok());
  EXPECT_THAT(
      ErrorOf(R"({)" + url + R"("requests": 10000}}, "models": ["sequential", "threads"],
      "concurrency": [1, 2], "warmup": 1, "repetitions": 4})"),
      HasSubstr("plan.workload.params.requests: a plan may send at most 100000 requests to a url "
                "outside the runner per worker, got up to 200000"));
  // Auto-repeat counts at its ceiling, max_repetitions.
  EXPECT_THAT(ErrorOf(R"({)" + url + R"("requests": 100}}, "models": ["threads"],
      "concurrency": [1], "repetitions": 5, "max_repetitions": 2000, "target_cv": 0.05})"),
              HasSubstr("got up to 200100"));  // 100 x (1 default warm-up + 2000)
  // Without url, the runner's own loopback server: not capped by this.
  EXPECT_TRUE(ParsePlanJson(R"({"workload": {"kind": "http.get", "params": {"requests": 100000,
      "delay_ms": 0}}, "models": ["sequential"], "concurrency": [1], "repetitions": 10})",
                            PlanLimits())
                  .ok());
}

TEST(PlanLimitsTest, ConcurrencyMustFitEachWorker) {
  v1::WorkerDescription small;
  small.set_address("10.0.0.5:4511");
  small.mutable_machine()->set_pus(2);
  small.mutable_machine()->set_logical_cores(2);
  EXPECT_EQ(WorkerConcurrencyLimit(small), 10'000);
  v1::WorkerDescription big = small;
  big.mutable_machine()->set_pus(512);
  EXPECT_EQ(WorkerConcurrencyLimit(big), 32'768);
  big.mutable_machine()->set_pus(100'000);
  EXPECT_EQ(WorkerConcurrencyLimit(big), kMaxConcurrency);

  v1::Plan plan;
  plan.add_concurrency(1);
  plan.add_concurrency(20'000);
  EXPECT_EQ(CheckConcurrencyFitsWorker(plan, small).message(),
            "plan.concurrency[1]: must be <= 10000 on worker 10.0.0.5:4511 (2 PUs: at most "
            "max(10000, 64 per PU)), got 20000");
  big.mutable_machine()->set_pus(512);
  EXPECT_TRUE(CheckConcurrencyFitsWorker(plan, big).ok());
}

// What a worker publishes (parlab-worker --max-concurrency; --max-job-processes where it has no
// cgroup to count processes) is what the coordinator holds each level to, before any job.
TEST(PlanLimitsTest, ConcurrencyMustFitWhatTheWorkerPublishes) {
  v1::WorkerDescription worker;
  worker.set_address("10.0.0.5:4511");
  worker.mutable_machine()->set_pus(2);
  worker.set_max_concurrency(500);
  EXPECT_EQ(WorkerConcurrencyLimit(worker), 500);
  v1::Plan plan;
  plan.add_concurrency(1);
  plan.add_concurrency(501);
  EXPECT_EQ(CheckConcurrencyFitsWorker(plan, worker).message(),
            "plan.concurrency[1]: must be <= 500 on worker 10.0.0.5:4511 (its parlab-worker "
            "--max-concurrency), got 501");
  plan.set_concurrency(1, 100);
  EXPECT_TRUE(CheckConcurrencyFitsWorker(plan, worker).ok());

  worker.set_max_job_processes(64);
  worker.set_job_process_limit("check");
  EXPECT_THAT(CheckConcurrencyFitsWorker(plan, worker).message(),
              HasSubstr("plan.concurrency[1]: must be <= 64 on worker 10.0.0.5:4511 (its "
                        "--max-job-processes: it has no cgroup"));
  worker.set_job_process_limit("cgroup2");  // the cgroup counts: no level cap beyond 500
  EXPECT_TRUE(CheckConcurrencyFitsWorker(plan, worker).ok());
}

TEST(PlanLimitsTest, TruncatedKeepsUtf8CharactersWhole) {
  EXPECT_EQ(Truncated("short"), "short");
  // "é" is two bytes; cutting after 3 bytes would split the second one.
  EXPECT_EQ(Truncated("aééé", 4), "aé... (7 bytes)");
}

}  // namespace
}  // namespace parlab::coordinator
