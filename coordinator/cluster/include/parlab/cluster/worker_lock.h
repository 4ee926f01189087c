// One benchmark job per worker at a time, across every run of this process: two SubmitRuns
// that name the same worker queue their jobs (first come, first served) instead of running
// them side by side, where they would disturb each other's timings.
//
//   std::optional<WorkerLease> lease = WorkerLocks::Global().Acquire(address, canceller);
//   if (!lease) return Cancelled();     // the run was cancelled while it queued
//   ... RunJob on `address` ...         // the lease is released when it goes out of scope
#ifndef PARLAB_CLUSTER_WORKER_LOCK_H_
#define PARLAB_CLUSTER_WORKER_LOCK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "parlab/cluster/cancel.h"

namespace parlab::cluster {

class WorkerLocks;

// Holds a worker for one job; movable, released by the destructor.
class WorkerLease {
 public:
  WorkerLease(WorkerLease&& other) noexcept : locks_(other.locks_), address_(other.address_) {
    other.locks_ = nullptr;
  }
  WorkerLease& operator=(WorkerLease&&) = delete;
  ~WorkerLease();

 private:
  friend class WorkerLocks;
  WorkerLease(WorkerLocks* locks, std::string address)
      : locks_(locks), address_(std::move(address)) {}
  WorkerLocks* locks_;
  std::string address_;
};

class WorkerLocks {
 public:
  // The process-wide table every run uses.
  static WorkerLocks& Global();

  // [thread-safe] Waits for `address`'s turn (FIFO). nullopt when `canceller` (may be null)
  // fires while waiting; the caller then gives up its place.
  std::optional<WorkerLease> Acquire(const std::string& address, const RunCanceller* canceller);

  // [thread-safe] Whether a job of this process runs on `address` now.
  bool Busy(const std::string& address) const;

 private:
  friend class WorkerLease;
  void Release(const std::string& address);

  struct Slot {
    bool held = false;
    std::deque<uint64_t> queue;  // tickets waiting, oldest first
  };
  mutable absl::Mutex mutex_;
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mutex_);
  uint64_t next_ticket_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_WORKER_LOCK_H_
