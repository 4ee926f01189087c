// Every plan shipped in examples/plans/ parses and validates: a broken example is a bug users
// would meet first.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/plan.h"

namespace parlab::coordinator {
namespace {

std::vector<std::filesystem::path> ExamplePlans() {
  std::vector<std::filesystem::path> plans;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(PARLAB_EXAMPLE_PLANS_DIR)) {
    if (entry.path().extension() == ".json") plans.push_back(entry.path());
  }
  return plans;
}

TEST(ExamplePlansTest, EveryExamplePlanIsValid) {
  std::vector<std::filesystem::path> plans = ExamplePlans();
  ASSERT_GE(plans.size(), 2u) << "examples/plans should hold cpu-sieve.json and io-sleep.json";
  for (const std::filesystem::path& path : plans) {
    absl::StatusOr<v1::Plan> plan = LoadPlanFile(path.string());
    EXPECT_TRUE(plan.ok()) << plan.status();
  }
}

TEST(ExamplePlansTest, CpuSieveIsTheSeedExperiment) {
  absl::StatusOr<v1::Plan> plan =
      LoadPlanFile(std::string(PARLAB_EXAMPLE_PLANS_DIR) + "/cpu-sieve.json");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->workload().kind(), "primes.sieve");
  EXPECT_EQ(plan->workload().params().at("from"), "1000");
  EXPECT_EQ(plan->workload().params().at("to"), "16000");  // n = 1000..15999: 15,000 tasks
  EXPECT_EQ(plan->models_size(), 6);
  EXPECT_THAT(plan->concurrency(), ::testing::ElementsAre(1, 2));
}

}  // namespace
}  // namespace parlab::coordinator
