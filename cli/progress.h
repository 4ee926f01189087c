// What the CLI does with each RunEvent, wherever the run happens (embedded or on a
// coordinator daemon): log lines and a progress display on stderr, and the descriptions and
// results kept for the final report.
//
//   RunProgress progress(std::cerr, ResolveProgressMode(ProgressMode::kAuto, isatty(2)));
//   RunPlan(plan, workers, options, [&](const v1::RunEvent& e) { progress.OnEvent(e); });
//   progress.Finish();
//   Report(progress.workers(), progress.results());
//
// Display modes: `bar` (a terminal: one line redrawn in place with \r, at most ~10 times a
// second: bar, percentage, done/total repetitions, elapsed, ETA), `lines` (not a terminal, CI
// logs: the per-job log lines plus "[parlab] 12/40 repetitions (30%), elapsed 4.1 s, ETA 9.6 s"
// at most every few seconds), `none` (only workers, job results and the end of the run).
// The formatting and the ETA are pure functions, tested with a fake clock.
#ifndef PARLAB_COORDINATOR_CLI_PROGRESS_H_
#define PARLAB_COORDINATOR_CLI_PROGRESS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cli {

enum class ProgressMode { kAuto, kBar, kLines, kNone };

// "auto", "bar", "lines" or "none"; the error names the flag: `--progress: must be ...`.
[[nodiscard]] absl::StatusOr<ProgressMode> ParseProgressMode(const std::string& text);
// kAuto becomes kBar on a terminal and kLines otherwise; the others stay.
ProgressMode ResolveProgressMode(ProgressMode mode, bool stderr_is_terminal);

// Time left at the mean time per completed repetition so far; nullopt before the first one
// completes or when the total is unknown (0).
std::optional<absl::Duration> EstimateRemaining(int64_t done, int64_t total,
                                                absl::Duration elapsed);
// "0.4 s", "9.6 s", "2 min 05 s", "1 h 02 min".
std::string FormatElapsed(absl::Duration duration);
// "[parlab] 12/40 repetitions (30%), elapsed 4.1 s, ETA 9.6 s"; total 0 (unknown):
// "[parlab] 12 repetitions, elapsed 4.1 s".
std::string FormatProgressLine(int64_t done, int64_t total, absl::Duration elapsed);
// "[#########---------------------]  30% 12/40 reps  elapsed 4.1 s  ETA 9.6 s", the bar
// `bar_width` characters wide.
std::string FormatProgressBar(int64_t done, int64_t total, absl::Duration elapsed,
                              int bar_width = 30);

// Completed repetitions, counted from the event stream: a worker's repetition is complete when
// its next one starts (a progress event), or its job ends, or the worker is lost.
class RepetitionCounter {
 public:
  void OnEvent(const v1::RunEvent& event);
  int64_t done() const { return done_; }
  int64_t total() const { return total_; }

 private:
  void Close(const std::string& worker);

  int64_t done_ = 0;
  int64_t total_ = 0;
  std::map<std::string, bool> in_flight_;  // worker -> a repetition is running
};

// The display, with an injectable clock. Not thread-safe: RunProgress serializes it.
class ProgressDisplay {
 public:
  using Clock = std::function<absl::Time()>;
  struct Options {
    absl::Duration bar_interval = absl::Milliseconds(100);  // ~10 Hz
    absl::Duration line_interval = absl::Seconds(5);
  };
  ProgressDisplay(std::ostream& out, ProgressMode mode, Clock clock, Options options);
  ProgressDisplay(std::ostream& out, ProgressMode mode, Clock clock)
      : ProgressDisplay(out, mode, std::move(clock), Options()) {}

  void OnEvent(const v1::RunEvent& event);
  // Redraws when due (the elapsed time moves even while no event arrives).
  void Tick();
  // The last state, then a newline for the bar. Idempotent.
  void Finish();

  const RepetitionCounter& counter() const { return counter_; }

 private:
  // A log line; in bar mode it goes above the bar, which is redrawn under it.
  void Log(const std::string& line);
  void Draw(bool force);

  std::ostream& out_;
  ProgressMode mode_;
  Clock clock_;
  Options options_;
  RepetitionCounter counter_;
  std::optional<absl::Time> start_;
  absl::Time last_draw_ = absl::InfinitePast();
  bool bar_shown_ = false;
  bool finished_ = false;
};

class RunProgress {
 public:
  // The display is ticked by a thread of its own unless mode is kNone.
  RunProgress(std::ostream& log, ProgressMode mode);
  explicit RunProgress(std::ostream& log) : RunProgress(log, ProgressMode::kLines) {}
  ~RunProgress();
  RunProgress(const RunProgress&) = delete;
  RunProgress& operator=(const RunProgress&) = delete;

  // RunPlan serializes its callbacks; the lock is against the ticker thread.
  void OnEvent(const v1::RunEvent& event);
  // Stops the ticker and draws the final state. Call before printing the report.
  void Finish();

  const std::vector<v1::WorkerDescription>& workers() const { return workers_; }
  const std::vector<v1::JobResult>& results() const { return results_; }
  // results(), then, for each job with no final result yet, its latest partial_result (an
  // interleaved run's samples so far): all that a run cut short had delivered.
  std::vector<v1::JobResult> ReceivedResults() const;
  const std::string& run_id() const { return run_id_; }
  bool started() const { return started_; }
  bool finished() const { return finished_; }

 private:
  absl::Mutex mutex_;
  ProgressDisplay display_ ABSL_GUARDED_BY(mutex_);
  std::atomic<bool> stop_{false};
  std::thread ticker_;
  std::vector<v1::WorkerDescription> workers_;
  std::vector<v1::JobResult> results_;
  // The latest partial_result per job (JobKey), dropped when the job's final result comes.
  std::map<std::string, v1::JobResult> partials_;
  std::string run_id_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace parlab::cli

#endif  // PARLAB_COORDINATOR_CLI_PROGRESS_H_
