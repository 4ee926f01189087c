// Capabilities: every registered kind declares them (the coordinator asks CapabilitiesOf
// instead of hard-coding kind names), and the kinds whose check covers the whole repetition,
// or whose tasks must run together, refuse to be sharded and say why.
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/workloads/workload.h"

namespace parlab::workloads {
namespace {

using ::testing::HasSubstr;

const std::set<std::string> kNotShardable = {"counter", "queue", "spawn"};

TEST(Capabilities, EveryRegisteredKindAnswers) {
  const std::vector<v1::WorkloadInfo> kinds = ListWorkloads();
  ASSERT_FALSE(kinds.empty());
  std::set<std::string> not_shardable;
  for (const v1::WorkloadInfo& info : kinds) {
    absl::StatusOr<WorkloadCapabilities> caps = CapabilitiesOf(info.kind());
    ASSERT_TRUE(caps.ok()) << info.kind() << ": " << caps.status();
    if (caps->shardable) {
      EXPECT_TRUE(caps->not_shardable_reason.empty()) << info.kind();
    } else {
      not_shardable.insert(info.kind());
      EXPECT_FALSE(caps->not_shardable_reason.empty()) << info.kind() << " must say why";
    }
  }
  EXPECT_EQ(not_shardable, kNotShardable);
}

TEST(Capabilities, CounterQueueAndSpawnAreNotShardable) {
  for (const std::string& kind : kNotShardable) {
    absl::StatusOr<WorkloadCapabilities> caps = CapabilitiesOf(kind);
    ASSERT_TRUE(caps.ok()) << kind << ": " << caps.status();
    EXPECT_FALSE(caps->shardable) << kind;
  }
  EXPECT_THAT(CapabilitiesOf("counter")->not_shardable_reason,
              HasSubstr("covers the whole repetition"));
  EXPECT_THAT(CapabilitiesOf("queue")->not_shardable_reason, HasSubstr("must run together"));
  EXPECT_THAT(CapabilitiesOf("spawn")->not_shardable_reason,
              HasSubstr("covers the whole repetition"));
  EXPECT_TRUE(CapabilitiesOf("primes.sieve")->shardable);
  EXPECT_TRUE(CapabilitiesOf("sleep")->shardable);
}

TEST(Capabilities, AnUnknownKindIsAnError) {
  absl::StatusOr<WorkloadCapabilities> caps = CapabilitiesOf("nope");
  ASSERT_FALSE(caps.ok());
  EXPECT_EQ(caps.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(caps.status().message(),
              HasSubstr("plan.workload.kind: unknown workload \"nope\" (known: primes.sieve, "));
}

}  // namespace
}  // namespace parlab::workloads
