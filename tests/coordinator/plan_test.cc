// Plan parsing and validation: every bad input names its field and value.
#include "parlab/coordinator/plan.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::coordinator {
namespace {

using ::testing::HasSubstr;

constexpr char kGoodPlan[] = R"({
  "name": "cpu-sieve", "description": "primes",
  "workload": {"kind": "primes.sieve", "params": {"from": 1000, "to": 16000}},
  "models": ["sequential", "thread_pool"],
  "concurrency": [1, 2, 4], "repetitions": 3, "warmup": 2
})";

// The message of parsing `text`, which must fail.
std::string ErrorOf(const std::string& text) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(text);
  EXPECT_FALSE(plan.ok()) << text;
  if (plan.ok()) return "";
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(plan.status().message());
}

// A minimal valid plan with `extra` spliced into the top-level object.
std::string PlanWith(const std::string& extra) {
  return R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"])" +
         (extra.empty() ? std::string() : ", " + extra) + "}";
}

TEST(PlanTest, ParsesEveryField) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(kGoodPlan);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->name(), "cpu-sieve");
  EXPECT_EQ(plan->description(), "primes");
  EXPECT_EQ(plan->workload().kind(), "primes.sieve");
  EXPECT_EQ(plan->workload().params().at("from"), "1000");
  EXPECT_EQ(plan->workload().params().at("to"), "16000");
  EXPECT_THAT(plan->models(), ::testing::ElementsAre("sequential", "thread_pool"));
  EXPECT_THAT(plan->concurrency(), ::testing::ElementsAre(1, 2, 4));
  EXPECT_EQ(plan->repetitions(), 3);
  EXPECT_EQ(plan->warmup(), 2);
}

TEST(PlanTest, AppliesDefaults) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(PlanWith(""));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->repetitions(), 5);
  EXPECT_EQ(plan->warmup(), 1);
  EXPECT_THAT(plan->concurrency(), ::testing::ElementsAre(1));
  EXPECT_TRUE(plan->workload().params().empty());
}

TEST(PlanTest, RepetitionOrder) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(PlanWith(""));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->order(), v1::REPETITION_ORDER_UNSPECIFIED);  // interleaved
  plan = ParsePlanJson(PlanWith(R"("order": "grouped")"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->order(), v1::REPETITION_ORDER_GROUPED);
  plan = ParsePlanJson(PlanWith(R"("order": "interleaved")"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->order(), v1::REPETITION_ORDER_INTERLEAVED);
  EXPECT_THAT(ErrorOf(PlanWith(R"("order": "random")")),
              HasSubstr(R"(plan.order: must be "interleaved" or "grouped", got "random")"));
}

TEST(PlanTest, PrintsParamsAsStrings) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(
      R"({"workload": {"kind": "sleep", "params": {"tasks": 4.0, "ms": 1}}, "models": ["sequential"]})");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->workload().params().at("tasks"), "4");  // no ".0"
  EXPECT_EQ(plan->workload().params().at("ms"), "1");
}

TEST(PlanTest, AcceptsIntegralFloatsForIntegers) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(PlanWith(R"("repetitions": 3.0)"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->repetitions(), 3);
}

TEST(PlanTest, MalformedJsonGivesThePosition) {
  std::string message = ErrorOf("{\n  \"models\": [\"sequential\",]\n}");
  EXPECT_THAT(message, HasSubstr("plan: malformed JSON at line 2"));
  EXPECT_THAT(message, HasSubstr("column"));
}

TEST(PlanTest, TruncatedJson) {
  EXPECT_THAT(ErrorOf(R"({"models": ["sequential")"), HasSubstr("plan: malformed JSON"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("plan: malformed JSON"));
}

TEST(PlanTest, TopLevelMustBeAnObject) {
  EXPECT_THAT(ErrorOf("[1, 2]"), HasSubstr("plan: must be a JSON object, got array"));
}

TEST(PlanTest, ConcurrencyBelowOne) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [1, 2, 0])")),
              HasSubstr("plan.concurrency[2]: must be >= 1, got 0"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [-3])")),
              HasSubstr("plan.concurrency[0]: must be >= 1, got -3"));
}

TEST(PlanTest, ConcurrencyWrongTypes) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": 4)")),
              HasSubstr("plan.concurrency: must be an array of integers, got 4"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [1, "two"])")),
              HasSubstr(R"(plan.concurrency[1]: must be an integer, got "two")"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [1.5])")),
              HasSubstr("plan.concurrency[0]: must be an integer, got 1.5"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [])")),
              HasSubstr("plan.concurrency: must list at least one level"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [1, 2, 2])")),
              HasSubstr("plan.concurrency[2]: duplicate level 2"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("concurrency": [99999999999])")),
              HasSubstr("plan.concurrency[0]: out of range, got 99999999999"));
}

TEST(PlanTest, RepetitionsAndWarmup) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("repetitions": 0)")),
              HasSubstr("plan.repetitions: must be >= 1, got 0"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("repetitions": "5")")),
              HasSubstr(R"(plan.repetitions: must be an integer, got "5")"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("warmup": -1)")), HasSubstr("plan.warmup: must be >= 0, got -1"));
  absl::StatusOr<v1::Plan> no_warmup = ParsePlanJson(PlanWith(R"("warmup": 0)"));
  EXPECT_TRUE(no_warmup.ok()) << no_warmup.status();
}

TEST(PlanTest, Models) {
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential", 3]})"),
              HasSubstr("plan.models[1]: must be a string, got 3"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve"}})"),
              HasSubstr("plan.models: required field is missing"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve"}, "models": []})"),
              HasSubstr("plan.models: must list at least one model"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve"}, "models": "sequential"})"),
              HasSubstr(R"(plan.models: must be an array of model names, got "sequential")"));
  EXPECT_THAT(
      ErrorOf(
          R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential", "threads", "sequential"]})"),
      HasSubstr(R"(plan.models[2]: duplicate model "sequential" (also plan.models[0]))"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "primes.sieve"}, "models": ["Thread Pool"]})"),
              HasSubstr(R"(plan.models[0]: must be a model name ([a-z0-9_]+), got "Thread Pool")"));
}

TEST(PlanTest, UnknownFields) {
  std::string message = ErrorOf(PlanWith(R"("foo": 1)"));
  EXPECT_THAT(message, HasSubstr("plan.foo: unknown field (known: name, description, workload"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": "sleep", "parms": {}}, "models": ["sequential"]})"),
              HasSubstr("plan.workload.parms: unknown field (known: kind, params)"));
}

TEST(PlanTest, WorkloadShape) {
  EXPECT_THAT(ErrorOf(R"({"models": ["sequential"]})"),
              HasSubstr("plan.workload: required field is missing"));
  EXPECT_THAT(ErrorOf(R"({"workload": "sleep", "models": ["sequential"]})"),
              HasSubstr(R"(plan.workload: must be an object, got "sleep")"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"params": {}}, "models": ["sequential"]})"),
              HasSubstr("plan.workload.kind: required field is missing"));
  EXPECT_THAT(ErrorOf(R"({"workload": {"kind": 7}, "models": ["sequential"]})"),
              HasSubstr("plan.workload.kind: must be a string, got 7"));
  EXPECT_THAT(
      ErrorOf(
          R"({"workload": {"kind": "sleep", "params": {"ms": {"a": 1}}}, "models": ["sequential"]})"),
      HasSubstr(
          R"(plan.workload.params.ms: must be a number, string, bool or array, got {"a":1})"));
  // An array travels as its JSON text, and the workload judges it.
  EXPECT_THAT(
      ErrorOf(
          R"({"workload": {"kind": "sleep", "params": {"ms": [1]}}, "models": ["sequential"]})"),
      HasSubstr(R"(plan.workload.params.ms: must be an integer, got "[1]")"));
}

// The workload library's own checks run as part of plan validation.
TEST(PlanTest, WorkloadValidation) {
  std::string unknown =
      ErrorOf(R"({"workload": {"kind": "nope.kernel"}, "models": ["sequential"]})");
  EXPECT_THAT(unknown, HasSubstr("plan.workload.kind"));
  EXPECT_THAT(unknown, HasSubstr("nope.kernel"));
  std::string reversed = ErrorOf(
      R"({"workload": {"kind": "primes.sieve", "params": {"from": 5000, "to": 10}}, "models": ["sequential"]})");
  EXPECT_THAT(reversed, HasSubstr("plan.workload.params.to"));
  EXPECT_THAT(reversed, HasSubstr("10"));
}

TEST(PlanTest, ValidatePlanChecksProtoPlans) {
  v1::Plan plan;
  plan.mutable_workload()->set_kind("primes.sieve");
  plan.add_models("sequential");
  plan.set_repetitions(1);
  EXPECT_THAT(std::string(ValidatePlan(plan).message()), HasSubstr("plan.concurrency"));
  plan.add_concurrency(1);
  EXPECT_TRUE(ValidatePlan(plan).ok()) << ValidatePlan(plan);
  plan.set_repetitions(0);
  EXPECT_THAT(std::string(ValidatePlan(plan).message()),
              HasSubstr("plan.repetitions: must be >= 1, got 0"));
}

TEST(PlanTest, ParsesRunFields) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(PlanWith(
      R"("affinity": "compact", "target_cv": 0.02, "max_repetitions": 12, "time_budget_s": 60,
         "sweep": {"param": "to", "values": [16000, "8000", 4000.0]}, "mode": "broadcast",
         "select": {"rack": "a", "gpu": "none"})"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->affinity(), "compact");
  EXPECT_DOUBLE_EQ(plan->target_cv(), 0.02);
  EXPECT_EQ(plan->max_repetitions(), 12);
  EXPECT_DOUBLE_EQ(plan->time_budget_s(), 60);
  EXPECT_EQ(plan->sweep().param(), "to");
  EXPECT_THAT(plan->sweep().values(), ::testing::ElementsAre("16000", "8000", "4000"));
  EXPECT_EQ(plan->mode(), v1::RUN_MODE_BROADCAST);
  EXPECT_EQ(plan->select().at("rack"), "a");
  EXPECT_EQ(plan->select().at("gpu"), "none");
}

TEST(PlanTest, RunFieldDefaults) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(PlanWith(""));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->affinity(), "");
  EXPECT_EQ(plan->target_cv(), 0);
  EXPECT_EQ(plan->max_repetitions(), 0);
  EXPECT_FALSE(plan->has_sweep());
  EXPECT_EQ(plan->mode(), v1::RUN_MODE_UNSPECIFIED);
  plan = ParsePlanJson(PlanWith(R"("target_cv": 0.05)"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->max_repetitions(), kDefaultMaxRepetitions);
  plan = ParsePlanJson(PlanWith(R"("target_cv": 0.05, "repetitions": 40)"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->max_repetitions(), 40);  // never below the rounds the plan asks for
  plan = ParsePlanJson(PlanWith(R"("mode": "broadcast", "affinity": "none")"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->mode(), v1::RUN_MODE_BROADCAST);
}

TEST(PlanTest, Affinity) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("affinity": "spread")")),
              HasSubstr(R"(plan.affinity: must be "none", "compact" or "scatter", got "spread")"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("affinity": 1)")),
              HasSubstr("plan.affinity: must be a string, got 1"));
}

TEST(PlanTest, TargetCv) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0)")),
              HasSubstr("plan.target_cv: must be > 0 and < 1 (0.02 = 2%), got 0"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 2)")),
              HasSubstr("plan.target_cv: must be > 0 and < 1 (0.02 = 2%), got 2"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": -0.1)")), HasSubstr("plan.target_cv"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": "2%")")),
              HasSubstr(R"(plan.target_cv: must be a number, got "2%")"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0.02, "order": "grouped")")),
              HasSubstr("plan.target_cv: automatic repetitions need interleaved order"));
  EXPECT_THAT(
      ErrorOf(PlanWith(R"("target_cv": 0.02, "mode": "shard")")),
      HasSubstr(
          R"(plan.target_cv: automatic repetitions need broadcast mode, got "mode": "shard")"));
}

TEST(PlanTest, JobTimeout) {
  absl::StatusOr<v1::Plan> plan = ParsePlanJson(PlanWith(R"("job_timeout_s": 30)"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_DOUBLE_EQ(plan->job_timeout_s(), 30);
  EXPECT_THAT(
      ErrorOf(PlanWith(R"("job_timeout_s": -1)")),
      HasSubstr("plan.job_timeout_s: must be >= 0 seconds (0: derived from the plan), got -1"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("job_timeout_s": "soon")")),
              HasSubstr(R"(plan.job_timeout_s: must be a number, got "soon")"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("job_timeout_s": 1e300)")),
              HasSubstr("plan.job_timeout_s: must be <= "));
}

TEST(PlanTest, MaxRepetitionsAndTimeBudget) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0.02, "repetitions": 10, "max_repetitions": 5)")),
              HasSubstr("plan.max_repetitions: must be >= plan.repetitions (10), got 5"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0.02, "max_repetitions": 0)")),
              HasSubstr("plan.max_repetitions: must be >= plan.repetitions (5), got 0"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("max_repetitions": 20)")),
              HasSubstr("plan.max_repetitions: needs plan.target_cv (got 20 without)"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("target_cv": 0.02, "time_budget_s": -1)")),
              HasSubstr("plan.time_budget_s: must be >= 0 (0: no limit), got -1"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("time_budget_s": 30)")),
              HasSubstr("plan.time_budget_s: needs plan.target_cv"));
  absl::StatusOr<v1::Plan> unlimited =
      ParsePlanJson(PlanWith(R"("target_cv": 0.02, "time_budget_s": 0)"));
  EXPECT_TRUE(unlimited.ok()) << unlimited.status();
}

TEST(PlanTest, Sweep) {
  EXPECT_THAT(ErrorOf(PlanWith(R"("sweep": [1, 2])")), HasSubstr("plan.sweep: must be an object"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("sweep": {"values": [1]})")),
              HasSubstr("plan.sweep.param: required field is missing"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("sweep": {"param": "to"})")),
              HasSubstr("plan.sweep.values: required field is missing"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("sweep": {"param": "to", "values": []})")),
              HasSubstr("plan.sweep.values: must list at least one value, got []"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("sweep": {"param": "to", "values": 8000})")),
              HasSubstr("plan.sweep.values: must be an array, got 8000"));
  EXPECT_THAT(
      ErrorOf(PlanWith(R"("sweep": {"param": "to", "values": [8000, 4000, 8000]})")),
      HasSubstr(R"(plan.sweep.values[2]: duplicate value "8000" (also plan.sweep.values[0]))"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("sweep": {"param": "to", "values": [8000], "step": 2})")),
              HasSubstr("plan.sweep.step: unknown field (known: param, values)"));
  std::string unknown = ErrorOf(PlanWith(R"("sweep": {"param": "size", "values": [1]})"));
  EXPECT_THAT(unknown,
              HasSubstr(R"(plan.sweep.param: "size" is not a parameter of primes.sieve (valid:)"));
  EXPECT_THAT(unknown, HasSubstr("from"));
  // Each value is checked by the workload itself: primes.sieve needs to > from (1000).
  std::string bad_value = ErrorOf(PlanWith(R"("sweep": {"param": "to", "values": [16000, 500]})"));
  EXPECT_THAT(bad_value, HasSubstr("plan.sweep.values[1]: to = 500: plan.workload.params.to"));
  EXPECT_THAT(
      ErrorOf(PlanWith(R"("sweep": {"param": "to", "values": ["many"]})")),
      HasSubstr(R"(plan.sweep.values[0]: to = many: plan.workload.params.to: must be an integer)"));
}

TEST(PlanTest, ModeAndSelect) {
  absl::StatusOr<v1::Plan> shard = ParsePlanJson(PlanWith(R"("mode": "shard")"));
  ASSERT_TRUE(shard.ok()) << shard.status();
  EXPECT_EQ(shard->mode(), v1::RUN_MODE_SHARD);
  EXPECT_THAT(ErrorOf(PlanWith(R"("mode": "scatter")")),
              HasSubstr(R"(plan.mode: must be "broadcast" or "shard", got "scatter")"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("select": "rack=a")")),
              HasSubstr(R"(plan.select: must be an object of label values)"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("select": {"rack": 1})")),
              HasSubstr("plan.select.rack: must be a string, got 1"));
  EXPECT_THAT(ErrorOf(PlanWith(R"("select": {"": "a"})")),
              HasSubstr("plan.select: label keys must not be empty"));
}

TEST(PlanTest, ValidatePlanChecksProtoRunFields) {
  v1::Plan plan;
  plan.mutable_workload()->set_kind("sleep");
  plan.add_models("sequential");
  plan.add_concurrency(1);
  plan.set_repetitions(3);
  plan.set_target_cv(0.1);
  EXPECT_TRUE(ValidatePlan(plan).ok()) << ValidatePlan(plan);  // max_repetitions 0: default
  plan.set_target_cv(1.0);
  EXPECT_THAT(std::string(ValidatePlan(plan).message()), HasSubstr("plan.target_cv"));
  plan.set_target_cv(0.1);
  plan.set_mode(static_cast<v1::RunMode>(7));
  EXPECT_THAT(std::string(ValidatePlan(plan).message()), HasSubstr("plan.mode"));
  plan.set_mode(v1::RUN_MODE_BROADCAST);
  plan.mutable_sweep()->set_param("ms");
  EXPECT_THAT(std::string(ValidatePlan(plan).message()), HasSubstr("plan.sweep.values"));
  plan.mutable_sweep()->add_values("1");
  EXPECT_TRUE(ValidatePlan(plan).ok()) << ValidatePlan(plan);
}

// One source of defaults: a JSON plan that leaves fields out and a Plan built in code (a
// SubmitRun client) given ApplyPlanDefaults come out the same.
TEST(PlanTest, JsonAndCodeGetTheSameDefaults) {
  absl::StatusOr<v1::Plan> parsed = ParsePlanJson(
      R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"], "target_cv": 0.05})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  v1::Plan built;
  built.mutable_workload()->set_kind("primes.sieve");
  built.add_models("sequential");
  built.set_target_cv(0.05);
  ApplyPlanDefaults(&built);
  EXPECT_EQ(built.SerializeAsString(), parsed->SerializeAsString());
  EXPECT_EQ(built.repetitions(), kDefaultRepetitions);
  EXPECT_EQ(built.warmup(), kDefaultWarmup);
  EXPECT_EQ(std::vector<int>(built.concurrency().begin(), built.concurrency().end()),
            std::vector<int>{1});
  EXPECT_EQ(built.max_repetitions(), kDefaultMaxRepetitions);
}

// A field that is set is kept, even when it is the value a default would not give: warmup 0
// means none, repetitions 0 is left for ValidatePlan to refuse.
TEST(PlanTest, DefaultsNeverOverrideASetField) {
  v1::Plan plan;
  plan.set_warmup(0);
  plan.set_repetitions(0);
  ApplyPlanDefaults(&plan);
  EXPECT_EQ(plan.warmup(), 0);
  EXPECT_EQ(plan.repetitions(), 0);
  absl::StatusOr<v1::Plan> parsed = ParsePlanJson(
      R"({"workload": {"kind": "primes.sieve"}, "models": ["sequential"], "repetitions": 0})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()),
              HasSubstr("plan.repetitions: must be >= 1, got 0"));
}

TEST(PlanTest, LoadPlanFileNamesAMissingFile) {
  absl::StatusOr<v1::Plan> plan = LoadPlanFile("/nonexistent/dir/plan.json");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("/nonexistent/dir/plan.json"));
  // The OS's reason, not just "cannot be read".
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr("No such file or directory"));
}

TEST(PlanTest, LoadPlanFileNamesThePlanAfterTheFile) {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("parlab-plan-test-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(path);
    out << PlanWith("");
  }
  absl::StatusOr<v1::Plan> plan = LoadPlanFile(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->name(), path.stem().string());
}

TEST(PlanTest, LoadPlanFilePrefixesErrorsWithThePath) {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("parlab-plan-bad-" + std::to_string(getpid()) + ".json");
  {
    std::ofstream out(path);
    out << PlanWith(R"("repetitions": 0)");
  }
  absl::StatusOr<v1::Plan> plan = LoadPlanFile(path.string());
  std::filesystem::remove(path);
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(std::string(plan.status().message()), HasSubstr(path.string()));
  EXPECT_THAT(std::string(plan.status().message()),
              HasSubstr("plan.repetitions: must be >= 1, got 0"));
}

}  // namespace
}  // namespace parlab::coordinator
