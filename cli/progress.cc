#include "progress.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "parlab/report/escape.h"
#include "parlab/report/reporter.h"
#include "parlab/results/samples.h"

namespace parlab::cli {
namespace {

// "1 job", "2 jobs"; "1 runner launch", "3 runner launches".
std::string Plural(int64_t n, absl::string_view noun, absl::string_view suffix = "s") {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : suffix);
}

// Erases the current terminal line: back to column 0, clear to its end.
constexpr char kClearLine[] = "\r\033[K";

int Percent(int64_t done, int64_t total) {
  if (total <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(100, done * 100 / total));
}

std::string EtaText(int64_t done, int64_t total, absl::Duration elapsed) {
  std::optional<absl::Duration> left = EstimateRemaining(done, total, elapsed);
  return left.has_value() ? FormatElapsed(*left) : "unknown";
}

}  // namespace

absl::StatusOr<ProgressMode> ParseProgressMode(const std::string& text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "bar") return ProgressMode::kBar;
  if (text == "lines") return ProgressMode::kLines;
  if (text == "none") return ProgressMode::kNone;
  return absl::InvalidArgumentError(
      absl::StrCat("--progress: must be auto, bar, lines or none, got \"", text, "\""));
}

ProgressMode ResolveProgressMode(ProgressMode mode, bool stderr_is_terminal) {
  if (mode != ProgressMode::kAuto) return mode;
  return stderr_is_terminal ? ProgressMode::kBar : ProgressMode::kLines;
}

std::optional<absl::Duration> EstimateRemaining(int64_t done, int64_t total,
                                                absl::Duration elapsed) {
  if (done <= 0 || total <= 0) return std::nullopt;
  if (done >= total) return absl::ZeroDuration();
  return elapsed / done * (total - done);
}

std::string FormatElapsed(absl::Duration duration) {
  if (duration < absl::ZeroDuration()) duration = absl::ZeroDuration();
  const double seconds = absl::ToDoubleSeconds(duration);
  if (seconds < 60) return absl::StrFormat("%.1f s", seconds);
  const int64_t whole = static_cast<int64_t>(std::llround(seconds));
  if (whole < 3600) return absl::StrFormat("%d min %02d s", whole / 60, whole % 60);
  return absl::StrFormat("%d h %02d min", whole / 3600, (whole % 3600) / 60);
}

std::string FormatProgressLine(int64_t done, int64_t total, absl::Duration elapsed) {
  if (total <= 0) {
    return absl::StrCat("[parlab] ", done, " repetitions, elapsed ", FormatElapsed(elapsed));
  }
  // Automatic extra rounds can run past the announced total: the run is then "at" the total.
  total = std::max(total, done);
  return absl::StrCat("[parlab] ", done, "/", total, " repetitions (", Percent(done, total),
                      "%), elapsed ", FormatElapsed(elapsed), ", ETA ",
                      EtaText(done, total, elapsed));
}

std::string FormatProgressBar(int64_t done, int64_t total, absl::Duration elapsed, int bar_width) {
  total = std::max(total, done);
  const int filled =
      total > 0 ? static_cast<int>(std::min<int64_t>(bar_width, done * bar_width / total)) : 0;
  std::string bar = absl::StrCat("[", std::string(static_cast<size_t>(filled), '#'),
                                 std::string(static_cast<size_t>(bar_width - filled), '-'), "]");
  if (total <= 0) {
    return absl::StrCat(bar, " ", done, " reps  elapsed ", FormatElapsed(elapsed));
  }
  return absl::StrCat(bar, " ", absl::StrFormat("%3d%%", Percent(done, total)), " ", done, "/",
                      total, " reps  elapsed ", FormatElapsed(elapsed), "  ETA ",
                      EtaText(done, total, elapsed));
}

void RepetitionCounter::Close(const std::string& worker) {
  auto it = in_flight_.find(worker);
  if (it == in_flight_.end() || !it->second) return;
  it->second = false;
  ++done_;
}

void RepetitionCounter::OnEvent(const v1::RunEvent& event) {
  switch (event.event_case()) {
    case v1::RunEvent::kStarted:
      total_ = event.started().total_repetitions();
      break;
    case v1::RunEvent::kJobStarted:
      Close(event.job_started().worker());
      break;
    case v1::RunEvent::kProgress:
      Close(event.progress().worker());
      in_flight_[event.progress().worker()] = true;
      break;
    case v1::RunEvent::kJobResult:
      Close(event.job_result().worker_address());
      break;
    case v1::RunEvent::kWorkerLost:
      Close(event.worker_lost().worker());
      break;
    case v1::RunEvent::kFinished:
      for (auto& [worker, running] : in_flight_) Close(worker);
      break;
    default:
      break;
  }
}

ProgressDisplay::ProgressDisplay(std::ostream& out, ProgressMode mode, Clock clock, Options options)
    : out_(out), mode_(mode), clock_(std::move(clock)), options_(options) {}

void ProgressDisplay::Log(const std::string& line) {
  if (mode_ == ProgressMode::kBar && bar_shown_) out_ << kClearLine;
  // Lines quote workers and jobs (hostnames, errors): their control characters stay visible.
  out_ << report::EscapeControlKeepLines(line) << "\n";
  bar_shown_ = false;
  if (mode_ == ProgressMode::kBar) Draw(/*force=*/true);
}

void ProgressDisplay::Draw(bool force) {
  if (!start_.has_value() || finished_) return;
  const absl::Time now = clock_();
  const absl::Duration elapsed = now - *start_;
  if (mode_ == ProgressMode::kBar) {
    if (!force && now - last_draw_ < options_.bar_interval) return;
    out_ << "\r" << FormatProgressBar(counter_.done(), counter_.total(), elapsed) << "\033[K";
    bar_shown_ = true;
  } else if (mode_ == ProgressMode::kLines) {
    if (!force && now - last_draw_ < options_.line_interval) return;
    out_ << FormatProgressLine(counter_.done(), counter_.total(), elapsed) << "\n";
  } else {
    return;
  }
  last_draw_ = now;
  out_.flush();
}

void ProgressDisplay::OnEvent(const v1::RunEvent& event) {
  if (!start_.has_value()) {
    start_ = clock_();
    // The first periodic line comes one interval in, not at once.
    last_draw_ = *start_;
  }
  counter_.OnEvent(event);
  const bool chatty = mode_ == ProgressMode::kLines;
  switch (event.event_case()) {
    case v1::RunEvent::kStarted: {
      const auto& s = event.started();
      if (mode_ != ProgressMode::kNone) {
        // total_jobs counts runner launches (an interleaved job launches once per round), not
        // the rows the finished line counts.
        Log(absl::StrCat("run ", s.run_id(), ": ", Plural(s.total_jobs(), "runner launch", "es"),
                         ", ", Plural(s.total_repetitions(), "repetition"), " planned"));
      }
      break;
    }
    case v1::RunEvent::kWorker: {
      const v1::WorkerDescription& w = event.worker();
      if (mode_ == ProgressMode::kNone) break;
      Log(absl::StrCat("[", w.address(), "] worker ", w.machine().hostname(), ": ",
                       w.machine().logical_cores(), " logical cores, ", w.models_size(),
                       " models"));
      break;
    }
    case v1::RunEvent::kJobStarted: {
      const auto& s = event.job_started();
      if (chatty)
        Log(absl::StrCat("[", s.worker(), "] ", s.model(), " x", s.concurrency(), ": started"));
      break;
    }
    case v1::RunEvent::kProgress: {
      const auto& p = event.progress();
      if (chatty) {
        Log(absl::StrCat("[", p.worker(), "] ", p.model(), " x", p.concurrency(), ": ",
                         p.progress().phase(), " ", p.progress().repetition() + 1, "/",
                         p.progress().repetitions()));
      }
      break;
    }
    case v1::RunEvent::kJobResult: {
      const v1::JobResult& r = event.job_result();
      // --progress none: only what went wrong (the table shows the rest).
      if (mode_ == ProgressMode::kNone && r.status() == v1::JOB_STATUS_OK) break;
      std::string line = absl::StrCat("[", r.worker_address(), "] ", r.model(), " x",
                                      r.concurrency(), ": ", results::JobStatusName(r.status()));
      if (!r.error().empty()) absl::StrAppend(&line, ": ", r.error());
      Log(line);
      break;
    }
    case v1::RunEvent::kWorkerLost:
      Log(absl::StrCat("[", event.worker_lost().worker(),
                       "] worker lost: ", event.worker_lost().reason()));
      break;
    case v1::RunEvent::kFinished: {
      const auto& f = event.finished();
      Finish();
      if (mode_ == ProgressMode::kNone) break;
      Log(absl::StrCat("run ", f.run_id(), " finished: ", f.jobs_ok(), " of ",
                       Plural(f.jobs_ok() + f.jobs_failed(), "job"), " OK, ", f.jobs_failed(),
                       " failed"));
      break;
    }
    default:
      break;
  }
  Draw(/*force=*/false);
  out_.flush();
}

void ProgressDisplay::Tick() { Draw(/*force=*/false); }

void ProgressDisplay::Finish() {
  if (finished_) return;
  if (start_.has_value() && mode_ != ProgressMode::kNone) {
    Draw(/*force=*/true);
    if (mode_ == ProgressMode::kBar) out_ << "\n";
  }
  bar_shown_ = false;
  finished_ = true;
  out_.flush();
}

RunProgress::RunProgress(std::ostream& log, ProgressMode mode)
    : display_(log, mode, [] { return absl::Now(); }) {
  if (mode == ProgressMode::kNone) return;
  const absl::Duration period =
      mode == ProgressMode::kBar ? absl::Milliseconds(100) : absl::Milliseconds(250);
  ticker_ = std::thread([this, period] {
    while (!stop_.load()) {
      absl::SleepFor(period);
      absl::MutexLock lock(&mutex_);
      display_.Tick();
    }
  });
}

RunProgress::~RunProgress() { Finish(); }

void RunProgress::Finish() {
  stop_.store(true);
  if (ticker_.joinable()) ticker_.join();
  absl::MutexLock lock(&mutex_);
  display_.Finish();
}

namespace {

// One job of a run across its rounds: a partial result and the final one share it.
std::string JobKey(const v1::JobResult& result) {
  return absl::StrCat(result.worker_address(), "|", result.model(), "|", result.concurrency(), "|",
                      result.shard_index(), "|", result.rerun(), "|", result.sweep_value());
}

}  // namespace

std::vector<v1::JobResult> RunProgress::ReceivedResults() const {
  std::vector<v1::JobResult> received = results_;
  for (const auto& [key, partial] : partials_) received.push_back(partial);
  return received;
}

void RunProgress::OnEvent(const v1::RunEvent& event) {
  if (event.has_worker()) workers_.push_back(event.worker());
  if (event.has_job_result()) {
    results_.push_back(event.job_result());
    partials_.erase(JobKey(event.job_result()));
  }
  if (event.has_partial_result()) {
    partials_[JobKey(event.partial_result())] = event.partial_result();
  }
  if (event.has_started()) {
    started_ = true;
    if (run_id_.empty()) run_id_ = event.started().run_id();
  }
  if (event.has_finished()) {
    finished_ = true;
    run_id_ = event.finished().run_id();
  }
  absl::MutexLock lock(&mutex_);
  display_.OnEvent(event);
}

}  // namespace parlab::cli
