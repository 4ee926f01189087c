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
            "plan.workload.to: must be an integer, got \"abc\"");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"ms", "1.5"}})),
            "plan.workload.ms: must be an integer, got \"1.5\"");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"tasks", "99999999999999999999"}})),
            "plan.workload.tasks: must be an integer, got \"99999999999999999999\"");
}

TEST(WorkloadParams, FromNotBelowToIsRefused) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"from", "1000"}, {"to", "10"}})),
            "plan.workload.to: must be greater than from (1000), got 10");
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"from", "500"}, {"to", "500"}})),
            "plan.workload.to: must be greater than from (500), got 500");
}

TEST(WorkloadParams, RangesAreChecked) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"from", "1"}})),
            "plan.workload.from: must be >= 2, got 1");
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"to", "100000001"}})),
            "plan.workload.to: must be <= 100000000, got 100000001");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"tasks", "0"}})), "plan.workload.tasks: must be >= 1, got 0");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"ms", "-1"}})), "plan.workload.ms: must be >= 0, got -1");
}

TEST(WorkloadParams, UnknownParamIsNamedWithTheValidOnes) {
  EXPECT_EQ(ErrorOf(Spec("primes.sieve", {{"form", "10"}})),
            "plan.workload.form: unknown parameter of primes.sieve (valid: from, to)");
  EXPECT_EQ(ErrorOf(Spec("sleep", {{"zzz", "1"}, {"aaa", "2"}, {"ms", "3"}})),
            "plan.workload: unknown parameters aaa, zzz of sleep (valid: tasks, ms)");
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

}  // namespace
}  // namespace parlab::workloads
