#include "parlab/cluster/worker_lock.h"

#include <algorithm>

#include "absl/time/time.h"

namespace parlab::cluster {

WorkerLease::~WorkerLease() {
  if (locks_ != nullptr) locks_->Release(address_);
}

WorkerLocks& WorkerLocks::Global() {
  static auto* locks = new WorkerLocks();
  return *locks;
}

std::optional<WorkerLease> WorkerLocks::Acquire(const std::string& address,
                                                const RunCanceller* canceller) {
  absl::MutexLock lock(&mutex_);
  const uint64_t ticket = next_ticket_++;
  slots_[address].queue.push_back(ticket);
  auto my_turn = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    const Slot& slot = slots_[address];
    return !slot.held && slot.queue.front() == ticket;
  };
  // Wake up every tenth of a second to notice a cancellation (Ctrl-C while queued).
  while (!mutex_.AwaitWithTimeout(absl::Condition(&my_turn), absl::Milliseconds(100))) {
    if (canceller != nullptr && canceller->cancelled()) {
      std::deque<uint64_t>& queue = slots_[address].queue;
      queue.erase(std::find(queue.begin(), queue.end(), ticket));
      return std::nullopt;
    }
  }
  Slot& slot = slots_[address];
  slot.queue.pop_front();
  slot.held = true;
  return WorkerLease(this, address);
}

bool WorkerLocks::Busy(const std::string& address) const {
  absl::MutexLock lock(&mutex_);
  auto it = slots_.find(address);
  return it != slots_.end() && it->second.held;
}

void WorkerLocks::Release(const std::string& address) {
  absl::MutexLock lock(&mutex_);
  slots_[address].held = false;
}

}  // namespace parlab::cluster
