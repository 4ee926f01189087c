// Every bad workload spec is refused with a message naming the field and the value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

using ::testing::HasSubstr;

v1::WorkloadSpec Spec(const std::string& kind, const std::map<std::string, std::string>& params) {
  v1::WorkloadSpec spec;
  spec.set_kind(kind);
  for (const auto& [name, value] : params) (*spec.mutable_params())[name] = value;
  return spec;
}

std::string ErrorOf(const v1::WorkloadSpec& spec) {
  absl::Status status = ValidateWorkloadSpec(spec);
  EXPECT_FALSE(status.ok()) << "accepted: " << spec.ShortDebugString();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

TEST(WorkloadParams, DefaultsAreValid) {
  auto sieve = CreateWorkload(Spec("primes.sieve", {}));
  ASSERT_TRUE(sieve.ok()) << sieve.status();
  EXPECT_EQ((*sieve)->task_count(), 15000u);  // n = 1000 .. 15999
  auto sleep = CreateWorkload(Spec("sleep", {}));
  ASSERT_TRUE(sleep.ok()) << sleep.status();
  EXPECT_EQ((*sleep)->task_count(), 100u);
}

TEST(WorkloadParams, ExplicitValuesAreUsed) {
  auto sieve = CreateWorkload(Spec("primes.sieve", {{"from", "10"}, {"to", " 25 "}}));
  ASSERT_TRUE(sieve.ok()) << sieve.status();
  EXPECT_EQ((*sieve)->task_count(), 15u);
}

TEST(WorkloadParams, UnknownKindListsKnownOnes) {
  // The list grows with every workload; it starts with the first two, in registry order.
  EXPECT_THAT(ErrorOf(Spec("x", {})),
              ::testing::StartsWith(
                  "plan.workload.kind: unknown workload \"x\" (known: primes.sieve, sleep, "));
}

TEST(WorkloadParams, NonIntegerIsNamed) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"to", "abc"}})),
            "plan.workload.params.to: must be an integer, got \"abc\"");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"ms", "1.5"}})),
            "plan.workload.params.ms: must be an integer, got \"1.5\"");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"tasks", "99999999999999999999"}})),
            "plan.workload.params.tasks: must be an integer, got \"99999999999999999999\"");
}

TEST(WorkloadParams, FromNotBelowToIsRefused) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"from", "1000"}, {"to", "10"}})),
            "plan.workload.params.to: must be greater than from (1000), got 10");
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"from", "500"}, {"to", "500"}})),
            "plan.workload.params.to: must be greater than from (500), got 500");
}

TEST(WorkloadParams, RangesAreChecked) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"from", "1"}})),
            "plan.workload.params.from: must be >= 2, got 1");
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"to", "100000001"}})),
            "plan.workload.params.to: must be <= 100000000, got 100000001");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"tasks", "0"}})),
            "plan.workload.params.tasks: must be >= 1, got 0");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"ms", "-1"}})),
            "plan.workload.params.ms: must be >= 0, got -1");
}

TEST(WorkloadParams, UnknownParamIsNamedWithTheValidOnes) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"form", "10"}})),
            "plan.workload.params.form: unknown parameter of primes.sieve (valid: from, to)");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"zzz", "1"}, {"aaa", "2"}, {"ms", "3"}})),
            "plan.workload.params: unknown parameters aaa, zzz of sleep (valid: tasks, ms)");
}

TEST(WorkloadParams, ListWorkloadsDescribesEveryKind) {
  std::vector<v1::WorkloadInfo> infos = ListWorkloads();
  ASSERT_GE(infos.size(), 2u);
  EXPECT_EQ(infos[0].kind(), "primes.sieve");
  EXPECT_EQ(infos[1].kind(), "sleep");
  std::vector<std::string> kinds;
  for (const v1::WorkloadInfo& info : infos) kinds.push_back(info.kind());
  for (const char* kind :
       {"primes.is_prime", "factorial", "mandelbrot", "sysbench.cpu", "file.write"}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), kind), kinds.end()) << kind;
  }
  std::sort(kinds.begin(), kinds.end());
  EXPECT_EQ(std::adjacent_find(kinds.begin(), kinds.end()), kinds.end()) << "a kind twice";
  for (const v1::WorkloadInfo& info : infos) {
    EXPECT_FALSE(info.version().empty()) << info.kind();
    EXPECT_FALSE(info.description().empty()) << info.kind();
    EXPECT_THAT(info.params(), HasSubstr("default")) << info.kind();
  }
}

// Parameters that are each in range can still ask for a runaway total together.
TEST(WorkloadParams, ProductsOfSizesAreCapped) {
  EXPECT_EQ(
      ErrorOf(Spec("sleep", {{"tasks", "100000000"}, {"ms", "3600000"}})),
      "plan.workload.params.ms: tasks x ms must be <= 3600000 (an hour of sleep per repetition), "
      "got 100000000 x 3600000");
  EXPECT_TRUE(ValidateWorkloadSpec(Spec("sleep", {{"tasks", "5000"}, {"ms", "100"}})).ok());
  EXPECT_THAT(ErrorOf(Spec("http.get", {{"requests", "1000000"}, {"delay_ms", "60000"}})),
              HasSubstr("plan.workload.params.delay_ms: requests x delay_ms must be <= 3600000"));
  EXPECT_THAT(
      ErrorOf(Spec("http.get",
                   {{"requests", "1000000"}, {"delay_ms", "0"}, {"body_bytes", "16777216"}})),
      HasSubstr("plan.workload.params.body_bytes: requests x body_bytes must be <= 68719476736"));
  EXPECT_THAT(ErrorOf(Spec("mandelbrot", {{"width", "100000"}, {"height", "100000"}})),
              HasSubstr("plan.workload.params.height: width x height must be <= 100000000"));
  EXPECT_THAT(ErrorOf(Spec("file.write", {{"tasks", "10000000"}, {"kib", "1048576"}})),
              HasSubstr("plan.workload.params.kib: tasks x kib must be <= 1073741824"));
}

// file.write keeps one file per unit in flight: the coordinator asks CheckModel per level.
TEST(WorkloadParams, FileWriteCapsTheDiskInFlight) {
  auto workload = CreateWorkload(Spec("file.write", {{"tasks", "100"}, {"kib", "1048576"}}));
  ASSERT_TRUE(workload.ok()) << workload.status();
  ModelBounds model{.name = "threads", .concurrency = 16};
  EXPECT_TRUE((*workload)->CheckModel(model).ok());
  model.concurrency = 17;
  EXPECT_EQ(
      (*workload)->CheckModel(model).message(),
      "plan.workload.params.kib: concurrency x kib must be <= 16777216 (KiB on disk at once), got "
      "17 x 1048576");
}

}  // namespace
}  // namespace parlab::workloads
