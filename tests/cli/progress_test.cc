// The CLI's progress display as pure functions: formatting, ETA from the mean time per
// completed repetition, counting repetitions from the event stream, throttling with a fake
// clock; and the totals RunPlan announces (RunEvent.started).
#include "progress.h"

#include <algorithm>
#include <sstream>
#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parlab/coordinator/run_totals.h"

namespace parlab::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProgressFormatTest, Durations) {
  EXPECT_EQ(FormatElapsed(absl::Milliseconds(400)), "0.4 s");
  EXPECT_EQ(FormatElapsed(absl::Milliseconds(9640)), "9.6 s");
  EXPECT_EQ(FormatElapsed(absl::Seconds(125)), "2 min 05 s");
  EXPECT_EQ(FormatElapsed(absl::Minutes(62) + absl::Seconds(10)), "1 h 02 min");
  EXPECT_EQ(FormatElapsed(-absl::Seconds(3)), "0.0 s");
}

TEST(ProgressFormatTest, EtaIsTheMeanTimePerRepetitionTimesWhatIsLeft) {
  // 12 done in 4.1 s: 0.3417 s each, 28 left -> 9.57 s.
  std::optional<absl::Duration> eta = EstimateRemaining(12, 40, absl::Milliseconds(4100));
  ASSERT_TRUE(eta.has_value());
  EXPECT_NEAR(absl::ToDoubleSeconds(*eta), 4.1 / 12 * 28, 1e-6);
  EXPECT_FALSE(EstimateRemaining(0, 40, absl::Seconds(3)).has_value());  // nothing to go on
  EXPECT_FALSE(EstimateRemaining(5, 0, absl::Seconds(3)).has_value());   // total unknown
  EXPECT_EQ(EstimateRemaining(40, 40, absl::Seconds(3)), absl::ZeroDuration());
  EXPECT_EQ(EstimateRemaining(45, 40, absl::Seconds(3)), absl::ZeroDuration());
}

TEST(ProgressFormatTest, Line) {
  EXPECT_EQ(FormatProgressLine(12, 40, absl::Milliseconds(4100)),
            "[parlab] 12/40 repetitions (30%), elapsed 4.1 s, ETA 9.6 s");
  EXPECT_EQ(FormatProgressLine(0, 40, absl::Seconds(1)),
            "[parlab] 0/40 repetitions (0%), elapsed 1.0 s, ETA unknown");
  EXPECT_EQ(FormatProgressLine(7, 0, absl::Seconds(2)), "[parlab] 7 repetitions, elapsed 2.0 s");
  // Extra automatic rounds run past the announced total: never above 100%.
  EXPECT_EQ(FormatProgressLine(45, 40, absl::Seconds(9)),
            "[parlab] 45/45 repetitions (100%), elapsed 9.0 s, ETA 0.0 s");
}

TEST(ProgressFormatTest, Bar) {
  EXPECT_EQ(FormatProgressBar(12, 40, absl::Milliseconds(4100), 10),
            "[###-------]  30% 12/40 reps  elapsed 4.1 s  ETA 9.6 s");
  EXPECT_EQ(FormatProgressBar(40, 40, absl::Seconds(12), 10),
            "[##########] 100% 40/40 reps  elapsed 12.0 s  ETA 0.0 s");
  EXPECT_EQ(FormatProgressBar(0, 0, absl::Seconds(1), 4), "[----] 0 reps  elapsed 1.0 s");
}

TEST(ProgressModeTest, ParseAndResolve) {
  EXPECT_EQ(*ParseProgressMode("bar"), ProgressMode::kBar);
  EXPECT_EQ(*ParseProgressMode("none"), ProgressMode::kNone);
  EXPECT_EQ(ParseProgressMode("fancy").status().message(),
            "--progress: must be auto, bar, lines or none, got \"fancy\"");
  EXPECT_EQ(ResolveProgressMode(ProgressMode::kAuto, true), ProgressMode::kBar);
  EXPECT_EQ(ResolveProgressMode(ProgressMode::kAuto, false), ProgressMode::kLines);
  EXPECT_EQ(ResolveProgressMode(ProgressMode::kNone, true), ProgressMode::kNone);
}

v1::RunEvent Started(int64_t repetitions) {
  v1::RunEvent event;
  event.mutable_started()->set_run_id("run-1");
  event.mutable_started()->set_total_jobs(2);
  event.mutable_started()->set_total_repetitions(repetitions);
  return event;
}

v1::RunEvent JobStarted(const std::string& worker) {
  v1::RunEvent event;
  event.mutable_job_started()->set_worker(worker);
  event.mutable_job_started()->set_model("threads");
  event.mutable_job_started()->set_concurrency(2);
  return event;
}

v1::RunEvent Progress(const std::string& worker, const std::string& phase, int repetition) {
  v1::RunEvent event;
  auto* p = event.mutable_progress();
  p->set_worker(worker);
  p->set_model("threads");
  p->set_concurrency(2);
  p->mutable_progress()->set_phase(phase);
  p->mutable_progress()->set_repetition(repetition);
  p->mutable_progress()->set_repetitions(3);
  return event;
}

v1::RunEvent Result(const std::string& worker) {
  v1::RunEvent event;
  event.mutable_job_result()->set_worker_address(worker);
  event.mutable_job_result()->set_model("threads");
  event.mutable_job_result()->set_concurrency(2);
  event.mutable_job_result()->set_status(v1::JOB_STATUS_OK);
  return event;
}

TEST(RepetitionCounterTest, ARepetitionCompletesWhenTheNextStartsOrItsJobEnds) {
  RepetitionCounter counter;
  counter.OnEvent(Started(6));
  EXPECT_EQ(counter.total(), 6);
  counter.OnEvent(JobStarted("a"));
  counter.OnEvent(Progress("a", "warmup", 0));
  counter.OnEvent(JobStarted("b"));
  counter.OnEvent(Progress("b", "measure", 0));
  EXPECT_EQ(counter.done(), 0);  // both still running
  counter.OnEvent(Progress("a", "measure", 0));
  EXPECT_EQ(counter.done(), 1);  // a's warm-up ended
  counter.OnEvent(JobStarted("a"));
  EXPECT_EQ(counter.done(), 2);  // a's job (one interleaved round) ended
  counter.OnEvent(Result("b"));
  EXPECT_EQ(counter.done(), 3);
  counter.OnEvent(Result("b"));  // nothing was running on b any more
  EXPECT_EQ(counter.done(), 3);
  counter.OnEvent(Progress("a", "measure", 1));
  v1::RunEvent lost;
  lost.mutable_worker_lost()->set_worker("a");
  counter.OnEvent(lost);
  EXPECT_EQ(counter.done(), 4);
  counter.OnEvent(Progress("b", "measure", 1));
  v1::RunEvent finished;
  finished.mutable_finished()->set_run_id("run-1");
  counter.OnEvent(finished);
  EXPECT_EQ(counter.done(), 5);
}

// A clock the test moves by hand.
struct FakeClock {
  absl::Time now = absl::FromUnixSeconds(1000);
  ProgressDisplay::Clock AsClock() {
    return [this] { return now; };
  }
};

// Counts agree with their nouns: "1 of 1 job OK", "7 of 8 jobs OK".
TEST(ProgressDisplayTest, TheFinishedLineCountsJobsWithTheRightPlural) {
  for (const auto& [ok, failed, expected] : std::vector<std::tuple<int, int, std::string>>{
           {1, 0, "finished: 1 of 1 job OK, 0 failed"},
           {7, 1, "finished: 7 of 8 jobs OK, 1 failed"}}) {
    FakeClock clock;
    std::ostringstream out;
    ProgressDisplay display(out, ProgressMode::kLines, clock.AsClock(), {});
    display.OnEvent(Started(4));
    v1::RunEvent finished;
    finished.mutable_finished()->set_run_id("run-1");
    finished.mutable_finished()->set_jobs_ok(ok);
    finished.mutable_finished()->set_jobs_failed(failed);
    display.OnEvent(finished);
    EXPECT_THAT(out.str(), HasSubstr("run run-1 " + expected + "\n"));
  }
}

TEST(ProgressDisplayTest, LinesModeLogsEveryEventAndAPeriodicSummary) {
  FakeClock clock;
  std::ostringstream out;
  ProgressDisplay display(
      out, ProgressMode::kLines, clock.AsClock(),
      {.bar_interval = absl::Milliseconds(100), .line_interval = absl::Seconds(5)});
  display.OnEvent(Started(4));
  display.OnEvent(JobStarted("a"));
  display.OnEvent(Progress("a", "measure", 0));
  clock.now += absl::Seconds(2);
  display.OnEvent(Progress("a", "measure", 1));
  display.Tick();
  // Runner launches (an interleaved job launches once per round), not the jobs of the finish.
  EXPECT_THAT(out.str(), HasSubstr("run run-1: 2 runner launches, 4 repetitions planned\n"));
  EXPECT_THAT(out.str(), HasSubstr("[a] threads x2: started\n"));
  EXPECT_THAT(out.str(), HasSubstr("[a] threads x2: measure 2/3\n"));
  EXPECT_THAT(out.str(), Not(HasSubstr("[parlab]")));  // not due yet: 2 s < 5 s
  clock.now += absl::Seconds(3);
  display.Tick();
  EXPECT_THAT(out.str(), HasSubstr("[parlab] 1/4 repetitions (25%), elapsed 5.0 s, ETA 15.0 s\n"));
  const size_t length = out.str().size();
  clock.now += absl::Seconds(1);
  display.Tick();  // 1 s after the last line: throttled
  EXPECT_EQ(out.str().size(), length);
  display.Finish();
  EXPECT_THAT(out.str().substr(length), HasSubstr("[parlab] 1/4 repetitions (25%), elapsed 6.0 s"));
  EXPECT_THAT(out.str(), Not(HasSubstr("\r")));  // CI logs get no terminal control codes
}

// A job's error comes from a workload or a worker: it must not drive the terminal.
TEST(ProgressDisplayTest, ControlCharactersInEventsAreEscaped) {
  FakeClock clock;
  std::ostringstream out;
  ProgressDisplay display(out, ProgressMode::kLines, clock.AsClock());
  v1::RunEvent result = Result("a\x1b]0;title\x07");
  result.mutable_job_result()->set_status(v1::JOB_STATUS_FAILED);
  result.mutable_job_result()->set_error("boom\x1b[2J\nsecond line");
  display.OnEvent(result);
  EXPECT_THAT(out.str(), HasSubstr("[a\\x1b]0;title\\x07] threads x2: FAILED: boom\\x1b[2J\n"
                                   "second line\n"));
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);
}

TEST(ProgressDisplayTest, BarModeRedrawsInPlaceAtMostTenTimesASecond) {
  FakeClock clock;
  std::ostringstream out;
  ProgressDisplay display(out, ProgressMode::kBar, clock.AsClock());
  display.OnEvent(Started(4));
  display.OnEvent(Progress("a", "measure", 0));
  const std::string first = out.str();
  const auto draws_before = std::count(first.begin(), first.end(), '\r');
  for (int i = 0; i < 50; ++i) {  // 50 ticks in 0.5 s: about 5 redraws, not 50
    clock.now += absl::Milliseconds(10);
    display.Tick();
  }
  const std::string text = out.str();
  const auto redraws = std::count(text.begin(), text.end(), '\r') - draws_before;
  EXPECT_GE(redraws, 4);
  EXPECT_LE(redraws, 6);
  EXPECT_THAT(text, Not(HasSubstr("measure 1/3")));  // the bar replaces per-repetition lines
  EXPECT_THAT(text, HasSubstr("  0% 0/4 reps  elapsed 0.5 s  ETA unknown"));
  clock.now += absl::Milliseconds(500);
  display.OnEvent(Progress("a", "measure", 1));  // repetition 1 done after 1 s
  display.OnEvent(Result("a"));                  // the log line goes above the bar
  EXPECT_THAT(out.str(), HasSubstr("\r\033[K[a] threads x2: OK\n\r["));
  EXPECT_THAT(out.str(), HasSubstr(" 50% 2/4 reps  elapsed 1.0 s  ETA 1.0 s"));
  display.Finish();
  EXPECT_EQ(out.str().back(), '\n');  // the shell prompt starts on a fresh line
}

// --progress none: silence, except what went wrong (a failed job, a lost worker).
TEST(ProgressDisplayTest, NoneModeKeepsOnlyFailures) {
  FakeClock clock;
  std::ostringstream out;
  ProgressDisplay display(out, ProgressMode::kNone, clock.AsClock());
  display.OnEvent(Started(4));
  display.OnEvent(JobStarted("a"));
  display.OnEvent(Progress("a", "measure", 0));
  clock.now += absl::Seconds(60);
  display.Tick();
  display.OnEvent(Result("a"));
  EXPECT_EQ(out.str(), "");
  v1::RunEvent failed = Result("b");
  failed.mutable_job_result()->set_status(v1::JOB_STATUS_FAILED);
  failed.mutable_job_result()->set_error("task 3: wrong count");
  display.OnEvent(failed);
  display.Finish();
  EXPECT_EQ(out.str(), "[b] threads x2: FAILED: task 3: wrong count\n");
}

v1::WorkerDescription Worker(int32_t max_concurrency_of_threads) {
  v1::WorkerDescription worker;
  worker.set_address("w");
  v1::ModelInfo* sequential = worker.add_models();
  sequential->set_name("sequential");
  sequential->set_max_concurrency(1);
  v1::ModelInfo* threads = worker.add_models();
  threads->set_name("threads");
  threads->set_max_concurrency(max_concurrency_of_threads);
  return worker;
}

v1::Plan TotalsPlan() {
  v1::Plan plan;
  plan.add_models("sequential");
  plan.add_models("threads");
  plan.add_concurrency(1);
  plan.add_concurrency(2);
  plan.add_concurrency(4);
  plan.set_repetitions(5);
  plan.set_warmup(2);
  return plan;
}

TEST(RunTotalsTest, InterleavedCountsRoundsTimesJobsWithTheirWarmups) {
  // sequential once (x1) + threads x1, x2, x4 = 4 jobs; 5 rounds each; 2 warm-ups + 1 measured.
  coordinator::RunTotals totals = coordinator::ComputeRunTotals(TotalsPlan(), {Worker(0)});
  EXPECT_EQ(totals.jobs, 20);
  EXPECT_EQ(totals.repetitions, 60);
  // Broadcast on two workers: twice that.
  totals = coordinator::ComputeRunTotals(TotalsPlan(), {Worker(0), Worker(0)});
  EXPECT_EQ(totals.jobs, 40);
  EXPECT_EQ(totals.repetitions, 120);
}

TEST(RunTotalsTest, GroupedSkippedAndSweep) {
  v1::Plan plan = TotalsPlan();
  plan.set_order(v1::REPETITION_ORDER_GROUPED);
  // threads bounded to 2: x4 is skipped and never runs. 3 jobs x (2 + 5).
  coordinator::RunTotals totals = coordinator::ComputeRunTotals(plan, {Worker(2)});
  EXPECT_EQ(totals.jobs, 3);
  EXPECT_EQ(totals.repetitions, 21);
  plan.mutable_sweep()->set_param("ms");
  plan.mutable_sweep()->add_values("10");
  plan.mutable_sweep()->add_values("1");
  totals = coordinator::ComputeRunTotals(plan, {Worker(2)});
  EXPECT_EQ(totals.jobs, 6);
  EXPECT_EQ(totals.repetitions, 42);
  v1::RunEvent event = coordinator::RunStartedEvent("run-7", totals);
  EXPECT_EQ(event.started().run_id(), "run-7");
  EXPECT_EQ(event.started().total_jobs(), 6);
  EXPECT_EQ(event.started().total_repetitions(), 42);
}

}  // namespace
}  // namespace parlab::cli
