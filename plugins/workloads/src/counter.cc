// counter (seed 000, locks and shared state): K tasks each increment one counter M times under
// a strategy — none (the race), mutex, recursive_mutex, atomic, or try_lock (skip when busy).
// The counter lives in an anonymous mapping made in Prepare(): MAP_SHARED with process-shared
// primitives by default, so forked children of process models increment the parent's counter;
// with shared=false it is MAP_PRIVATE — threads still share it (one address space), but each
// forked child increments its own copy and the parent's stays 0 ("globals are not shared").
// The total can only be checked once every task is done: VerifyRepetition() does it.
#include <pthread.h>

#include <atomic>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/sanitizers.h"
#include "parlab/common/shared_page.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "counter";

enum class Strategy { kNone, kMutex, kRecursiveMutex, kAtomic, kTryLock };

constexpr struct {
  const char* name;
  Strategy strategy;
} kStrategies[] = {{"none", Strategy::kNone},
                   {"mutex", Strategy::kMutex},
                   {"recursive_mutex", Strategy::kRecursiveMutex},
                   {"atomic", Strategy::kAtomic},
                   {"try_lock", Strategy::kTryLock}};

static_assert(std::atomic<int64_t>::is_always_lock_free,
              "the counter is shared across fork(); its atomics must not need a lock");

// Everything the tasks touch, in the mapping.
struct Shared {
  pthread_mutex_t mutex;         // mutex, recursive_mutex, try_lock
  int64_t plain;                 // none, mutex, recursive_mutex, try_lock
  std::atomic<int64_t> atomic;   // atomic
  std::atomic<int64_t> skipped;  // try_lock: attempts that found the mutex busy
};

// The none strategy's loop: an unsynchronised read-modify-write of a counter that other tasks
// increment at the same time, on purpose (lost updates are what this strategy measures). Kept
// in a function of its own so that ThreadSanitizer builds (scripts/sanitize.sh tsan) leave out
// only this loop: the attribute removes its instrumentation, so TSan neither reports the
// intended race nor watches anything else. noinline keeps it from being folded into RunTask,
// whose other strategies stay instrumented.
#if defined(PARLAB_TSAN)
__attribute__((no_sanitize("thread"), noinline))
#endif
void RacyIncrements(volatile int64_t* counter, uint64_t increments) {
  for (uint64_t i = 0; i < increments; ++i) *counter = *counter + 1;
}

double Seconds(const RepetitionTimes& t) {
  return static_cast<double>(t.end_ns - t.start_ns) / 1e9;
}

class Counter : public Workload {
 public:
  Counter(uint64_t tasks, uint64_t increments, Strategy strategy, bool shared)
      : tasks_(tasks), increments_(increments), strategy_(strategy), shared_(shared) {}

  ~Counter() override {
    if (state_ != nullptr) pthread_mutex_destroy(&state_->mutex);
  }

  uint64_t task_count() const override { return tasks_; }

  absl::Status Prepare() override {
    if (state_ != nullptr) return absl::OkStatus();
    absl::StatusOr<SharedMapping> mapping = SharedMapping::Create(sizeof(Shared), shared_);
    if (!mapping.ok())
      return absl::InternalError(absl::StrCat(kKind, ": ", mapping.status().message()));
    mapping_ = *std::move(mapping);
    state_ = mapping_.Construct<Shared>();
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    // Process-shared even when private: then each child's copy is a valid mutex of its own.
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (strategy_ == Strategy::kRecursiveMutex) {
      pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    }
    const int rc = pthread_mutex_init(&state_->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
      state_ = nullptr;
      return absl::InternalError(absl::StrCat(kKind, ": pthread_mutex_init: ", std::strerror(rc)));
    }
    return absl::OkStatus();
  }

  absl::Status ResetForRepetition() override {
    if (state_ == nullptr) return NotPrepared(kKind);
    state_->plain = 0;
    state_->atomic.store(0);
    state_->skipped.store(0);
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/state_ != nullptr));
    Shared& s = *state_;
    switch (strategy_) {
      case Strategy::kNone: {
        RacyIncrements(&s.plain, increments_);  // volatile: a real load and store each time
        break;
      }
      case Strategy::kMutex:
      case Strategy::kRecursiveMutex:
        for (uint64_t i = 0; i < increments_; ++i) {
          PARLAB_RETURN_IF_ERROR(Check(index, "pthread_mutex_lock", pthread_mutex_lock(&s.mutex)));
          ++s.plain;
          pthread_mutex_unlock(&s.mutex);
        }
        break;
      case Strategy::kAtomic:
        for (uint64_t i = 0; i < increments_; ++i) s.atomic.fetch_add(1, std::memory_order_relaxed);
        break;
      case Strategy::kTryLock: {
        int64_t skipped = 0;
        for (uint64_t i = 0; i < increments_; ++i) {
          if (pthread_mutex_trylock(&s.mutex) == 0) {
            ++s.plain;
            pthread_mutex_unlock(&s.mutex);
          } else {
            ++skipped;
          }
        }
        s.skipped.fetch_add(skipped);
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status VerifyRepetition(const RepetitionTimes&) override {
    if (state_ == nullptr) return NotPrepared(kKind);
    const int64_t expected = Expected();
    const int64_t total = Total();
    const int64_t skipped = state_->skipped.load();
    if (!shared_ && total == 0 && skipped == 0) {
      return absl::OkStatus();  // each forked child incremented its own copy
    }
    const std::string where =
        absl::StrCat(kKind, " (strategy ", StrategyName(), ", shared ", shared_, "): ");
    const std::string or_zero = shared_ ? "" : " (or 0: private copies)";
    switch (strategy_) {
      case Strategy::kNone:
        if (total >= 1 && total <= expected) return absl::OkStatus();
        return absl::InternalError(
            absl::StrCat(where, "total ", total, ", expected 1..", expected, or_zero));
      case Strategy::kTryLock:
        if (total + skipped == expected) return absl::OkStatus();
        return absl::InternalError(absl::StrCat(where, "total ", total, " + skipped ", skipped,
                                                " = ", total + skipped, ", expected ", expected,
                                                or_zero));
      default:
        if (total == expected) return absl::OkStatus();
        return absl::InternalError(
            absl::StrCat(where, "total ", total, ", expected ", expected, or_zero));
    }
  }

  Metrics CollectMetrics(const RepetitionTimes& times) override {
    Metrics m;
    const int64_t total = Total();
    m["total"] = static_cast<double>(total);
    const double seconds = Seconds(times);
    if (seconds > 0) m["increments_per_s"] = static_cast<double>(Expected()) / seconds;
    if (!shared_) m["parent_total"] = static_cast<double>(total);
    if (strategy_ == Strategy::kNone && total > 0) {
      m["lost_updates"] = static_cast<double>(Expected() - total);
    }
    if (strategy_ == Strategy::kTryLock) m["skipped"] = static_cast<double>(state_->skipped.load());
    return m;
  }

 private:
  int64_t Expected() const { return static_cast<int64_t>(tasks_ * increments_); }
  int64_t Total() const {
    return strategy_ == Strategy::kAtomic ? state_->atomic.load() : state_->plain;
  }
  const char* StrategyName() const {
    for (const auto& s : kStrategies) {
      if (s.strategy == strategy_) return s.name;
    }
    return "?";
  }
  static absl::Status Check(uint64_t index, const char* call, int rc) {
    if (rc == 0) return absl::OkStatus();
    return absl::InternalError(
        absl::StrCat(kKind, " task ", index, ": ", call, ": ", std::strerror(rc)));
  }

  uint64_t tasks_;
  uint64_t increments_;
  Strategy strategy_;
  bool shared_;
  SharedMapping mapping_;
  Shared* state_ = nullptr;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(
      ParamReader params,
      ParamReader::Create(kKind, spec.params(), {"tasks", "increments", "strategy", "shared"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t tasks, params.Int("tasks", 4));
  PARLAB_ASSIGN_OR_RETURN(int64_t increments, params.Int("increments", 100000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("tasks", tasks, 1, 100'000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("increments", increments, 1, 1'000'000'000));

  Strategy strategy = Strategy::kMutex;
  if (auto it = spec.params().find("strategy"); it != spec.params().end()) {
    bool found = false;
    std::string names;
    for (const auto& s : kStrategies) {
      if (it->second == s.name) {
        strategy = s.strategy;
        found = true;
      }
      absl::StrAppend(&names, names.empty() ? "" : ", ", s.name);
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(FieldName("strategy"), ": must be one of ",
                                                     names, ", got \"", it->second, "\""));
    }
  }
  bool shared = true;
  if (auto it = spec.params().find("shared"); it != spec.params().end()) {
    if (it->second == "true") {
      shared = true;
    } else if (it->second == "false") {
      shared = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldName("shared"), ": must be true or false, got \"", it->second, "\""));
    }
  }
  return std::make_unique<Counter>(static_cast<uint64_t>(tasks), static_cast<uint64_t>(increments),
                                   strategy, shared);
}

}  // namespace

WorkloadKind CounterKind() {
  return MakeKind(
      kKind, "1.0.0",
      "shared state and locks: tasks tasks each increment one counter increments times under a "
      "strategy; the total is verified after the repetition (exact for mutex, recursive_mutex, "
      "atomic; total + skipped for try_lock; 1..tasks*increments for the none race). "
      "shared=false puts the counter in private memory: threads still share it, forked "
      "processes each increment their own copy and the parent's stays 0. Metrics: total, "
      "increments_per_s, lost_updates (none), skipped (try_lock), parent_total (shared=false)",
      "tasks (integer, default 4, 1..100000); increments (integer, default 100000, "
      "1..1000000000): per task; strategy (none|mutex|recursive_mutex|atomic|try_lock, default "
      "mutex); shared (true|false, default true): counter in MAP_SHARED memory",
      &Create,
      NotShardable("its check covers the whole repetition (the counter's total over every "
                   "task)"));
}

}  // namespace parlab::workloads
