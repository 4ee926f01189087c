// queue (seed 000): producers and consumers pass `items` item ids through one cross-process
// queue — a non-blocking pipe made in Prepare(), so it works under every model: threads share
// the fds, forked children inherit them. Each record is 8 bytes and every write is at most
// PIPE_BUF bytes, so writes are atomic and a record is never torn between consumers. Consumers
// add what they took to sums in shared memory; VerifyRepetition() checks that every id arrived
// exactly once (count, sum and a sum of hashes). Waits go to the model as fd waits in the
// stepped form, so a consumer on a coroutine suspends instead of blocking its thread.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kinds.h"
#include "parlab/common/clock.h"
#include "parlab/common/shared_page.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/params.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "queue";
constexpr uint64_t kBatch = PIPE_BUF / sizeof(uint64_t);  // records per atomic write
constexpr int64_t kStallNs = 30'000'000'000;              // no progress this long: fail

// splitmix64: a lost id and a duplicated one that keep the plain sum still change this sum.
uint64_t Mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct Sums {
  std::atomic<uint64_t> count;
  std::atomic<uint64_t> sum;
  std::atomic<uint64_t> hash_sum;
};

// One task's progress; the blocking form keeps it on the stack.
struct QueueState : TaskState {
  uint64_t next = 0;  // producer: the next id to write; consumer: records taken so far
  uint64_t end = 0;   // producer: one past its last id; consumer: its share
  uint64_t sum = 0, hash_sum = 0;
  int64_t last_progress_ns = 0;
  // The fd this task hands to the model: its own dup() of the pipe end, because a model may
  // register each waited fd once (Asio's reactor refuses a second waiter: EEXIST).
  int wait_fd = -1;

  QueueState() = default;
  QueueState(const QueueState&) = delete;
  QueueState& operator=(const QueueState&) = delete;
  ~QueueState() override {
    if (wait_fd >= 0) close(wait_fd);
  }
};

class Queue : public Workload {
 public:
  Queue(uint64_t items, uint64_t producers, uint64_t consumers)
      : items_(items), producers_(producers), consumers_(consumers) {}

  ~Queue() override {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
  }

  uint64_t task_count() const override { return producers_ + consumers_; }

  absl::Status CheckModel(const ModelBounds& model) const override {
    const uint64_t needed = producers_ + consumers_;
    if (model.max_concurrency == 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          kKind, " cannot run under ", model.name,
          ": producers and consumers must run concurrently, and the model runs one task at a "
          "time"));
    }
    if (!model.bounds_threads && model.concurrency < needed) {
      return absl::InvalidArgumentError(
          absl::StrCat("job.concurrency: ", kKind, " needs concurrency >= producers + consumers (",
                       needed, ") under model ", model.name, ", got ", model.concurrency,
                       " (a consumer would wait for a producer that cannot start)"));
    }
    return absl::OkStatus();
  }

  absl::Status Prepare() override {
    if (sums_ != nullptr) return absl::OkStatus();
    if (pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
      return absl::InternalError(absl::StrCat(kKind, ": pipe2: ", std::strerror(errno)));
    }
    absl::StatusOr<SharedMapping> mapping = SharedMapping::Create(sizeof(Sums), true);
    if (!mapping.ok()) {
      return absl::InternalError(absl::StrCat(kKind, ": ", mapping.status().message()));
    }
    mapping_ = *std::move(mapping);
    sums_ = mapping_.Construct<Sums>();
    for (uint64_t id = 1; id <= items_; ++id) expected_hash_ += Mix(id);  // untimed, once
    return absl::OkStatus();
  }

  absl::Status ResetForRepetition() override {
    if (sums_ == nullptr) return NotPrepared(kKind);
    sums_->count.store(0);
    sums_->sum.store(0);
    sums_->hash_sum.store(0);
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    QueueState state;
    PARLAB_RETURN_IF_ERROR(Start(index, state));
    parlab_wait_t wait{};
    while (true) {
      PARLAB_ASSIGN_OR_RETURN(bool done, Advance(index, state, wait));
      if (done) return absl::OkStatus();
      pollfd p{wait.fd, static_cast<short>(wait.kind == PARLAB_WAIT_READABLE ? POLLIN : POLLOUT),
               0};
      const int timeout_ms =
          static_cast<int>(std::min<uint64_t>(wait.timeout_ns / 1'000'000 + 1, INT_MAX));
      if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR) {
        return absl::InternalError(absl::StrCat(Who(index), "poll: ", std::strerror(errno)));
      }
    }
  }

  absl::StatusOr<StepResult> Step(uint64_t index, std::unique_ptr<TaskState>& state,
                                  parlab_wait_t& wait) override {
    if (state == nullptr) {
      auto fresh = std::make_unique<QueueState>();
      PARLAB_RETURN_IF_ERROR(Start(index, *fresh));
      state = std::move(fresh);
    }
    auto* queue_state = dynamic_cast<QueueState*>(state.get());
    if (queue_state == nullptr) {
      return absl::InternalError(absl::StrCat(Who(index), "foreign task state"));
    }
    PARLAB_ASSIGN_OR_RETURN(bool done, Advance(index, *queue_state, wait));
    return done ? StepResult::kDone : StepResult::kWait;
  }

  absl::Status VerifyRepetition(const RepetitionTimes&) override {
    if (sums_ == nullptr) return NotPrepared(kKind);
    const uint64_t count = sums_->count.load(), sum = sums_->sum.load();
    const uint64_t hash_sum = sums_->hash_sum.load();
    // The ids are 1..items: sum items*(items+1)/2 (in wrapping uint64 arithmetic, like the sums).
    const uint64_t expected_sum =
        items_ % 2 == 0 ? (items_ / 2) * (items_ + 1) : items_ * ((items_ + 1) / 2);
    if (count != items_ || sum != expected_sum || hash_sum != expected_hash_) {
      return absl::InternalError(
          absl::StrCat(kKind, ": consumers took ", count, " items (sum ", sum, "), expected ",
                       items_, " (sum ", expected_sum, ")",
                       count == items_ && sum == expected_sum ? ": ids lost and duplicated" : ""));
    }
    return absl::OkStatus();
  }

  Metrics CollectMetrics(const RepetitionTimes& times) override {
    Metrics m;
    m["items"] = static_cast<double>(items_);
    const double seconds = static_cast<double>(times.end_ns - times.start_ns) / 1e9;
    if (seconds > 0) m["items_per_s"] = static_cast<double>(items_) / seconds;
    return m;
  }

 private:
  bool IsProducer(uint64_t index) const { return index < producers_; }

  std::string Who(uint64_t index) const {
    return absl::StrCat(kKind, " task ", index,
                        IsProducer(index) ? " (producer): " : " (consumer): ");
  }

  // A share of n split k ways, the remainder going to the first: [first, first + size).
  static void Share(uint64_t n, uint64_t k, uint64_t i, uint64_t& first, uint64_t& size) {
    const uint64_t base = n / k, extra = n % k;
    size = base + (i == 0 ? extra : 0);
    first = i * base + (i == 0 ? 0 : extra);
  }

  absl::Status Start(uint64_t index, QueueState& state) const {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, /*prepared=*/sums_ != nullptr));
    uint64_t first = 0, size = 0;
    if (IsProducer(index)) {
      Share(items_, producers_, index, first, size);
      state.next = first + 1;  // ids start at 1
      state.end = first + 1 + size;
    } else {
      Share(items_, consumers_, index - producers_, first, size);
      state.next = 0;
      state.end = size;
    }
    state.last_progress_ns = MonotonicNowNs();
    return absl::OkStatus();
  }

  // Moves as many records as the pipe takes now. True when the task's share is done; false with
  // `wait` set to the pipe end to wait on (and the time left before the stall limit).
  absl::StatusOr<bool> Advance(uint64_t index, QueueState& state, parlab_wait_t& wait) {
    uint64_t buffer[kBatch];
    const bool producer = IsProducer(index);
    while (state.next < state.end) {
      const uint64_t n = std::min(kBatch, state.end - state.next);
      ssize_t got;
      if (producer) {
        for (uint64_t i = 0; i < n; ++i) buffer[i] = state.next + i;
        got = write(fds_[1], buffer, n * sizeof(uint64_t));
      } else {
        got = read(fds_[0], buffer, n * sizeof(uint64_t));
      }
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno != EAGAIN) {
        return absl::InternalError(
            absl::StrCat(Who(index), producer ? "write: " : "read: ", std::strerror(errno)));
      }
      const int64_t now = MonotonicNowNs();
      if (got <= 0) {  // EAGAIN (or, impossibly with open write ends, EOF): wait
        const int64_t stalled = now - state.last_progress_ns;
        if (stalled >= kStallNs) {
          return absl::DeadlineExceededError(absl::StrCat(Who(index), "no progress for ",
                                                          stalled / 1'000'000'000, " s with ",
                                                          state.end - state.next, " items left"));
        }
        if (state.wait_fd < 0) {
          state.wait_fd = fcntl(producer ? fds_[1] : fds_[0], F_DUPFD_CLOEXEC, 0);
          if (state.wait_fd < 0) {
            return absl::InternalError(absl::StrCat(Who(index), "dup: ", std::strerror(errno)));
          }
        }
        wait.kind = producer ? PARLAB_WAIT_WRITABLE : PARLAB_WAIT_READABLE;
        wait.fd = state.wait_fd;
        wait.timeout_ns = static_cast<uint64_t>(kStallNs - stalled);
        return false;
      }
      if (got % sizeof(uint64_t) != 0) {
        return absl::InternalError(
            absl::StrCat(Who(index), "a ", got, "-byte transfer tore an 8-byte record"));
      }
      const uint64_t records = static_cast<uint64_t>(got) / sizeof(uint64_t);
      if (!producer) {
        for (uint64_t i = 0; i < records; ++i) {
          state.sum += buffer[i];
          state.hash_sum += Mix(buffer[i]);
        }
      }
      state.next += records;
      state.last_progress_ns = now;
    }
    if (!producer) {
      sums_->count.fetch_add(state.end);
      sums_->sum.fetch_add(state.sum);
      sums_->hash_sum.fetch_add(state.hash_sum);
    }
    return true;
  }

  uint64_t items_;
  uint64_t producers_;
  uint64_t consumers_;
  int fds_[2] = {-1, -1};
  SharedMapping mapping_;
  Sums* sums_ = nullptr;
  uint64_t expected_hash_ = 0;
};

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  PARLAB_ASSIGN_OR_RETURN(
      ParamReader params,
      ParamReader::Create(kKind, spec.params(), {"items", "producers", "consumers"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t items, params.Int("items", 100000));
  PARLAB_ASSIGN_OR_RETURN(int64_t producers, params.Int("producers", 1));
  PARLAB_ASSIGN_OR_RETURN(int64_t consumers, params.Int("consumers", 1));
  PARLAB_RETURN_IF_ERROR(RequireInRange("items", items, 1, 1'000'000'000));
  PARLAB_RETURN_IF_ERROR(RequireInRange("producers", producers, 1, 1024));
  PARLAB_RETURN_IF_ERROR(RequireInRange("consumers", consumers, 1, 1024));
  return std::make_unique<Queue>(static_cast<uint64_t>(items), static_cast<uint64_t>(producers),
                                 static_cast<uint64_t>(consumers));
}

}  // namespace

WorkloadKind QueueKind() {
  return MakeKind(
      kKind, "1.0.0",
      "producers/consumers: producers write item ids 1..items into one non-blocking pipe "
      "(8-byte records, atomic writes), consumers take their share; every id verified to "
      "arrive exactly once. Works across threads, processes and coroutines (stepped: fd "
      "waits). Tasks = producers + consumers, all of which must be in flight at once: "
      "rejected under sequential and at lower concurrency. Metrics: items, items_per_s",
      "items (integer, default 100000, 1..1000000000); producers (integer, default 1, "
      "1..1024); consumers (integer, default 1, 1..1024): tasks 0..producers-1 produce, the "
      "rest consume; remainders go to the first of each",
      &Create,
      NotShardable("its tasks must run together (consumers wait for producers) and its check "
                   "covers the whole repetition (every id arrives exactly once)"));
}

}  // namespace parlab::workloads
