// spawn (seed 000, "Time Create x50"): what it costs the model to create its execution units.
// Each of `units` tasks records when it started (CLOCK_MONOTONIC, into shared memory so that
// forked children's stamps reach the parent), holds for hold_ms (a timer wait when stepped, so
// coroutines and fibers stay alive together), and records when it ended. Against the
// repetition's own start and end (just around the model's run()), the metrics say how long
// the model took to start every unit and to join them. Meant for concurrency = units, so that
// every unit is alive at once; at lower concurrency "time to start all units" includes holds.
#include <algorithm>
#include <atomic>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/clock.h"
#include "parlab/common/shared_page.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"
#include "timed_hold.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "spawn";
constexpr uint64_t kNsPerMs = 1'000'000;

static_assert(std::atomic<int64_t>::is_always_lock_free, "stamps are shared across fork()");

struct Stamp {
  std::atomic<int64_t> start_ns;
  std::atomic<int64_t> end_ns;
};

class Spawn : public Workload {
 public:
  Spawn(uint64_t units, uint64_t hold_ms) : units_(units), hold_ns_(hold_ms * kNsPerMs) {}

  uint64_t task_count() const override { return units_; }

  absl::Status Prepare() override {
    if (stamps_ != nullptr) return absl::OkStatus();
    absl::StatusOr<SharedMapping> mapping = SharedMapping::Create(sizeof(Stamp) * units_, true);
    if (!mapping.ok()) {
      return absl::InternalError(absl::StrCat(kKind, ": ", mapping.status().message()));
    }
    mapping_ = *std::move(mapping);
    stamps_ = mapping_.ConstructArray<Stamp>(units_);
    return absl::OkStatus();
  }

  absl::Status ResetForRepetition() override {
    if (stamps_ == nullptr) return NotPrepared(kKind);
    for (uint64_t i = 0; i < units_; ++i) {
      stamps_[i].start_ns.store(0);
      stamps_[i].end_ns.store(0);
    }
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/stamps_ != nullptr));
    const int64_t start = MonotonicNowNs();
    stamps_[index].start_ns.store(start);
    PARLAB_RETURN_IF_ERROR(SleepUntil(kKind, index, start + static_cast<int64_t>(hold_ns_)));
    stamps_[index].end_ns.store(MonotonicNowNs());
    return absl::OkStatus();
  }

  absl::StatusOr<StepResult> Step(uint64_t index, std::unique_ptr<TaskState>& state,
                                  parlab_wait_t& wait) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/stamps_ != nullptr));
    const int64_t now = MonotonicNowNs();
    if (state == nullptr) stamps_[index].start_ns.store(now);
    PARLAB_ASSIGN_OR_RETURN(StepResult step, StepHold(kKind, index, now, hold_ns_, state, wait));
    if (step == StepResult::kDone) stamps_[index].end_ns.store(now);
    return step;
  }

  absl::Status VerifyRepetition(const RepetitionTimes& times) override {
    if (stamps_ == nullptr) return NotPrepared(kKind);
    for (uint64_t i = 0; i < units_; ++i) {
      const int64_t start = stamps_[i].start_ns.load(), end = stamps_[i].end_ns.load();
      if (start < times.start_ns || end > times.end_ns || start == 0 || end == 0) {
        return absl::InternalError(absl::StrCat(kKind, " unit ", i, ": stamps ", start, "..", end,
                                                " ns lie outside the run ", times.start_ns, "..",
                                                times.end_ns, " ns"));
      }
      if (static_cast<uint64_t>(end - start) < hold_ns_) {
        return absl::InternalError(absl::StrCat(kKind, " unit ", i, ": held ", end - start,
                                                " ns, expected at least ", hold_ns_, " ns"));
      }
    }
    return absl::OkStatus();
  }

  Metrics CollectMetrics(const RepetitionTimes& times) override {
    int64_t first_start = INT64_MAX, last_start = 0, last_end = 0;
    for (uint64_t i = 0; i < units_; ++i) {
      first_start = std::min(first_start, stamps_[i].start_ns.load());
      last_start = std::max(last_start, stamps_[i].start_ns.load());
      last_end = std::max(last_end, stamps_[i].end_ns.load());
    }
    const double units = static_cast<double>(units_);
    Metrics m;
    m["create_us_per_unit"] = static_cast<double>(last_start - times.start_ns) / units / 1e3;
    m["first_start_us"] = static_cast<double>(first_start - times.start_ns) / 1e3;
    m["last_start_us"] = static_cast<double>(last_start - times.start_ns) / 1e3;
    m["join_us"] = static_cast<double>(times.end_ns - last_end) / 1e3;
    return m;
  }

 private:
  uint64_t units_;
  uint64_t hold_ns_;
  SharedMapping mapping_;
  Stamp* stamps_ = nullptr;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(ParamReader params,
                          ParamReader::Create(kKind, spec.params(), {"units", "hold_ms"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t units, params.Int("units", 50));
  PARLAB_ASSIGN_OR_RETURN(int64_t hold_ms, params.Int("hold_ms", 100));
  PARLAB_RETURN_IF_ERROR(RequireInRange("units", units, 1, 100'000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("hold_ms", hold_ms, 0, 60'000));
  return std::make_unique<Spawn>(static_cast<uint64_t>(units), static_cast<uint64_t>(hold_ms));
}

}  // namespace

WorkloadKind SpawnKind() {
  return MakeKind(
      kKind, "1.0.0",
      "creation cost: units tasks each stamp their start, hold hold_ms (a timer wait when "
      "stepped) and stamp their end; run with concurrency = units so all are alive at once. "
      "Metrics against the repetition's start/end: create_us_per_unit ((last start - run "
      "start) / units), first_start_us, last_start_us, join_us (run end - last end)",
      "units (integer, default 50, 1..100000): execution units; hold_ms (integer, default 100, "
      "0..60000): how long each stays alive",
      &Create,
      NotShardable("its check covers the whole repetition (every unit's stamps against the "
                   "run's start and end)"));
}

}  // namespace parlab::workloads
