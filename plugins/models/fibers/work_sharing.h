// WorkSharing: a Boost.Fiber scheduling algorithm that shares one ready queue among the
// threads of ONE run() (Boost's shared_work idea), with per-run state instead of static state.
//
//   ReadyQueue queue;  // outlives every thread that uses it
//   std::jthread t([&] {
//     boost::fibers::use_scheduling_algorithm<WorkSharing>(&queue);  // first, in every thread
//     ...  // fibers launched from here may run on any thread that installed WorkSharing
//   });
//
// Why not Boost 1.74's own algorithms: work_stealing registers itself in static state (a
// barrier sized by its first use, an index counter that never resets), so it works once per
// process while the runner calls run() once per repetition; shared_work keeps one static
// queue and, with suspend = true, a thread that sleeps is not woken when another thread
// queues work (with suspend = false idle threads spin). Here an idle thread sleeps on the
// own condition variable and is woken by new work (one idle thread per fiber queued), by its
// own timers, or by notify(). One condition variable per thread, not one shared: waking all
// idle threads for every notify() made them fight over Boost's spinlocks, which spin without
// sleeping and, with more threads than cores, starved the lock's holder (seconds of CPU).
#ifndef PARLAB_PLUGINS_MODELS_FIBERS_WORK_SHARING_H_
#define PARLAB_PLUGINS_MODELS_FIBERS_WORK_SHARING_H_

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace parlab::models {

class WorkSharing;

// The ready fibers of one run, shared by its threads. [thread-safe]
struct ReadyQueue {
  size_t ReadyCount() {
    std::lock_guard<std::mutex> lock(mu);
    return fibers.size();
  }

  std::mutex mu;
  std::deque<boost::fibers::context*> fibers;
  std::vector<WorkSharing*> idle;  // threads asleep in suspend_until(), woken one per fiber
};

class WorkSharing : public boost::fibers::algo::algorithm {
 public:
  explicit WorkSharing(ReadyQueue* queue) : queue_(queue) {}
  WorkSharing(const WorkSharing&) = delete;
  WorkSharing& operator=(const WorkSharing&) = delete;

  // A fiber became ready on this thread: task fibers go to the shared queue, while this
  // thread's main and dispatcher fibers (pinned) stay here.
  void awakened(boost::fibers::context* ctx) noexcept override;

  // The next fiber to run: shared work first, then this thread's pinned fibers.
  boost::fibers::context* pick_next() noexcept override;

  bool has_ready_fibers() const noexcept override;

  // Nothing is ready: sleep until work is queued, notify() is called, or `until` (this
  // thread's next timer) is reached.
  void suspend_until(const std::chrono::steady_clock::time_point& until) noexcept override;

  // Another thread made one of this thread's fibers ready: wake this thread.
  void notify() noexcept override;

 private:
  ReadyQueue* queue_;
  boost::fibers::scheduler::ready_queue_type local_;  // pinned fibers; this thread only
  std::condition_variable cv_;                        // this thread's sleep in suspend_until()
  bool notified_ = false;                             // guarded by queue_->mu
};

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_FIBERS_WORK_SHARING_H_
