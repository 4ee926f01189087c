// The stopping rule of automatic repetitions (target_cv), as a pure function.
#include "parlab/coordinator/auto_repeat.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parlab::coordinator {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

AutoRepeat Rule(int repetitions, double target_cv, int max_repetitions,
                absl::Duration budget = absl::InfiniteDuration()) {
  AutoRepeat rule;
  rule.repetitions = repetitions;
  rule.target_cv = target_cv;
  rule.max_repetitions = max_repetitions;
  rule.time_budget = budget;
  return rule;
}

// Walls with a CV of about 1% (steady) and about 40% (noisy).
const std::vector<double> kSteady = {100, 101, 99};
const std::vector<double> kNoisy = {100, 160, 60};

// `rounds` noisy walls: a job that took part in every one of `rounds` rounds.
std::vector<double> Noisy(int rounds) {
  std::vector<double> walls;
  for (int i = 0; i < rounds; ++i) walls.push_back(kNoisy[i % kNoisy.size()]);
  return walls;
}

TEST(JobsForNextRoundTest, EveryOkJobRunsThePlansRounds) {
  std::vector<JobRounds> jobs = {{true, {}}, {false, {}}, {true, {}}};
  EXPECT_THAT(JobsForNextRound(jobs, 0, absl::ZeroDuration(), Rule(3, 0, 3)), ElementsAre(0, 2));
  jobs = {{true, kSteady}, {true, kSteady}};
  // Even a job already below target runs until `repetitions` rounds are done.
  EXPECT_THAT(JobsForNextRound(jobs, 2, absl::ZeroDuration(), Rule(3, 0.05, 30)),
              ElementsAre(0, 1));
}

TEST(JobsForNextRoundTest, WithoutTargetTheRunEndsAfterRepetitions) {
  std::vector<JobRounds> jobs = {{true, kNoisy}};
  EXPECT_THAT(JobsForNextRound(jobs, 3, absl::ZeroDuration(), Rule(3, 0, 3)), IsEmpty());
}

TEST(JobsForNextRoundTest, OnlyJobsAboveTargetContinue) {
  std::vector<JobRounds> jobs = {{true, kSteady}, {true, kNoisy}, {false, kNoisy}};
  EXPECT_THAT(JobsForNextRound(jobs, 3, absl::ZeroDuration(), Rule(3, 0.05, 30)), ElementsAre(1));
  // Once every job is below target the run is over.
  jobs = {{true, kSteady}, {true, {100, 100, 100}}};
  EXPECT_THAT(JobsForNextRound(jobs, 3, absl::ZeroDuration(), Rule(3, 0.05, 30)), IsEmpty());
}

TEST(JobsForNextRoundTest, AJobThatStoppedStaysStopped) {
  // Job 0 met the target after 3 rounds and missed round 4; job 1 ran all 4.
  std::vector<JobRounds> jobs = {{true, kSteady}, {true, {100, 160, 60, 130}}};
  EXPECT_THAT(JobsForNextRound(jobs, 4, absl::ZeroDuration(), Rule(3, 0.05, 30)), ElementsAre(1));
}

TEST(JobsForNextRoundTest, StopsAtMaxRepetitions) {
  std::vector<JobRounds> jobs = {{true, Noisy(9)}};
  EXPECT_THAT(JobsForNextRound(jobs, 9, absl::ZeroDuration(), Rule(3, 0.05, 10)), ElementsAre(0));
  jobs = {{true, Noisy(10)}};
  EXPECT_THAT(JobsForNextRound(jobs, 10, absl::ZeroDuration(), Rule(3, 0.05, 10)), IsEmpty());
}

TEST(JobsForNextRoundTest, StopsWhenTheTimeBudgetIsSpent) {
  std::vector<JobRounds> jobs = {{true, Noisy(5)}};
  const AutoRepeat rule = Rule(3, 0.05, 30, absl::Seconds(60));
  EXPECT_THAT(JobsForNextRound(jobs, 5, absl::Seconds(59), rule), ElementsAre(0));
  EXPECT_THAT(JobsForNextRound(jobs, 5, absl::Seconds(60), rule), IsEmpty());
  // The budget never cuts the plan's own rounds short.
  jobs = {{true, Noisy(1)}};
  EXPECT_THAT(JobsForNextRound(jobs, 1, absl::Seconds(600), rule), ElementsAre(0));
}

TEST(JobsForNextRoundTest, UnknownCvNeedsMoreRounds) {
  // repetitions 1: after one round the CV is unknown, so the job runs again.
  std::vector<JobRounds> jobs = {{true, {100}}};
  EXPECT_THAT(JobsForNextRound(jobs, 1, absl::ZeroDuration(), Rule(1, 0.05, 30)), ElementsAre(0));
}

TEST(AutoRepeatOfTest, PlanDefaults) {
  v1::Plan plan;
  plan.set_repetitions(5);
  AutoRepeat rule = AutoRepeatOf(plan);
  EXPECT_EQ(rule.max_repetitions, 5);
  EXPECT_EQ(rule.time_budget, absl::InfiniteDuration());
  plan.set_target_cv(0.02);
  rule = AutoRepeatOf(plan);
  EXPECT_EQ(rule.max_repetitions, 30);
  plan.set_max_repetitions(12);
  plan.set_time_budget_s(90);
  rule = AutoRepeatOf(plan);
  EXPECT_EQ(rule.max_repetitions, 12);
  EXPECT_EQ(rule.time_budget, absl::Seconds(90));
  EXPECT_DOUBLE_EQ(rule.target_cv, 0.02);
}

}  // namespace
}  // namespace parlab::coordinator
