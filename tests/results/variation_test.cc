// The coefficient of variation that auto-repeat and the rows' warnings share.
#include "parlab/results/variation.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace parlab::results {
namespace {

// Walls with a CV of about 1% (steady) and about 40% (noisy).
const std::vector<double> kSteady = {100, 101, 99};
const std::vector<double> kNoisy = {100, 160, 60};

TEST(WallCvTest, SampleStddevOverMean) {
  EXPECT_FALSE(WallCv({}).has_value());
  EXPECT_FALSE(WallCv({5}).has_value());  // one value says nothing about variation
  ASSERT_TRUE(WallCv({100, 100}).has_value());
  EXPECT_DOUBLE_EQ(*WallCv({100, 100}), 0);
  EXPECT_NEAR(*WallCv({90, 110}), 14.142 / 100, 1e-4);  // stddev sqrt(200) over mean 100
}

TEST(TargetCvMissedTest, NamesCvTargetAndCount) {
  EXPECT_FALSE(TargetCvMissed(kNoisy, 0).has_value());  // no target
  EXPECT_FALSE(TargetCvMissed(kSteady, 0.02).has_value());
  std::vector<double> walls = {100, 104.1};  // CV 2.84%
  std::optional<std::string> missed = TargetCvMissed(walls, 0.02);
  ASSERT_TRUE(missed.has_value());
  EXPECT_EQ(*missed, "CV 2.8% above target 2% after 2 repetitions");
}

}  // namespace
}  // namespace parlab::results
