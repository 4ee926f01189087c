// The PU lists of compact and scatter placements on synthetic hwloc topologies, and the
// validation of Job.affinity.
#include "parlab/runner/affinity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace parlab::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<int> Pus(const char* topology, Affinity affinity, uint32_t units) {
  absl::StatusOr<Placement> placement = Placement::ForSynthetic(topology, affinity, units);
  EXPECT_TRUE(placement.ok()) << placement.status();
  return placement.ok() ? placement->pus() : std::vector<int>{};
}

// 2 packages x 2 cores x 2 PUs; PUs 0,1 share core 0, PUs 0-3 share package 0.
constexpr char kTwoByTwoByTwo[] = "pack:2 core:2 pu:2";

TEST(Placement, CompactFillsSiblingsThenCoresThenPackages) {
  EXPECT_THAT(Pus(kTwoByTwoByTwo, Affinity::kCompact, 8), ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  EXPECT_THAT(Pus(kTwoByTwoByTwo, Affinity::kCompact, 3), ElementsAre(0, 1, 2));
}

TEST(Placement, ScatterSpreadsOverPackagesThenCoresThenSiblings) {
  EXPECT_THAT(Pus(kTwoByTwoByTwo, Affinity::kScatter, 8), ElementsAre(0, 4, 2, 6, 1, 5, 3, 7));
  // Two units: one per package; four: one per core, no SMT sibling shared.
  EXPECT_THAT(Pus(kTwoByTwoByTwo, Affinity::kScatter, 2), ElementsAre(0, 4));
  EXPECT_THAT(Pus(kTwoByTwoByTwo, Affinity::kScatter, 4), ElementsAre(0, 4, 2, 6));
}

TEST(Placement, CacheLevelsInBetweenDoNotChangeTheOrder) {
  EXPECT_THAT(Pus("pack:2 l3:1 l2:2 core:1 pu:2", Affinity::kScatter, 8),
              ElementsAre(0, 4, 2, 6, 1, 5, 3, 7));
  EXPECT_THAT(Pus("pack:2 l3:1 l2:2 core:1 pu:2", Affinity::kCompact, 4), ElementsAre(0, 1, 2, 3));
}

TEST(Placement, MoreUnitsThanPusWrapAround) {
  EXPECT_THAT(Pus("pack:1 core:2 pu:1", Affinity::kCompact, 5), ElementsAre(0, 1));
  EXPECT_THAT(Pus("pack:1 core:2 pu:1", Affinity::kScatter, 5), ElementsAre(0, 1));
}

TEST(Placement, NoneHasNoList) {
  EXPECT_THAT(Pus(kTwoByTwoByTwo, Affinity::kNone, 4), IsEmpty());
  absl::StatusOr<Placement> none = Placement::ForJob("", 4);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->affinity(), Affinity::kNone);
  EXPECT_EQ(none->Describe(), "none");
}

TEST(Placement, BadSyntheticTopologyIsAnError) {
  absl::StatusOr<Placement> bad = Placement::ForSynthetic("pack:x", Affinity::kCompact, 2);
  EXPECT_FALSE(bad.ok());
}

TEST(Placement, ForThisMachineUsesDistinctPus) {
  absl::StatusOr<Placement> placement = Placement::ForJob("compact", 64);
  ASSERT_TRUE(placement.ok()) << placement.status();
  std::vector<int> pus = placement->pus();
  ASSERT_FALSE(pus.empty());
  std::sort(pus.begin(), pus.end());
  EXPECT_EQ(std::unique(pus.begin(), pus.end()), pus.end());
  EXPECT_THAT(placement->Describe(), HasSubstr("compact: units on PUs "));
}

TEST(ParseAffinity, KnownValues) {
  EXPECT_EQ(*ParseAffinity(""), Affinity::kNone);
  EXPECT_EQ(*ParseAffinity("none"), Affinity::kNone);
  EXPECT_EQ(*ParseAffinity("compact"), Affinity::kCompact);
  EXPECT_EQ(*ParseAffinity("scatter"), Affinity::kScatter);
}

TEST(ParseAffinity, UnknownValueNamesTheField) {
  absl::StatusOr<Affinity> bad = ParseAffinity("Compact");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("job.affinity"));
  EXPECT_THAT(bad.status().message(), HasSubstr("\"Compact\""));
}

}  // namespace
}  // namespace parlab::runner
