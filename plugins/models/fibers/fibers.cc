// fibers: Boost.Fiber (stackful, cooperative) on `concurrency` OS threads that share one
// ready queue (work sharing, work_sharing.h). Here `concurrency` bounds the threads, not the
// tasks: one fiber per task, up to kMaxInFlight fibers alive at once, so waiting tasks
// overlap freely while CPU work spreads over the threads. A fiber that waits sleeps
// (boost::this_fiber) and may resume on another thread (one thread at a time, as the ABI
// allows).
//
// The threads are created per run() and joined before it returns; the runner's own thread
// only creates and joins them. It never installs a fiber scheduler: that would outlive run()
// and point at this run's queue. Thread 0 also launches the fibers from its main fiber.
#include <algorithm>
#include <atomic>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/operations.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "fiber_task.h"
#include "model_support.h"
#include "parlab/common/sanitizers.h"
#include "parlab/model_abi.h"
#include "stack_pool.h"
#include "work_sharing.h"

#if PARLAB_ASAN
// The ASan runtime's switch for stack-use-after-return detection, read by every instrumented
// function as it starts (not in ASan's public header, but part of its ABI with the compiler).
extern "C" __attribute__((weak)) int __asan_option_detect_stack_use_after_return;
#endif

namespace parlab::models {
namespace {

// The most task fibers alive at once, whatever the thread count: enough for thousands of
// overlapping waits, small enough that a huge job does not map a stack per task.
constexpr uint64_t kMaxInFlight = 2048;

// How many ready fibers per thread the launcher keeps queued before it lets them run.
constexpr size_t kReadyPerThread = 4;

// Each fiber's stack (stack_pool.h: reused, guard page below). Memory is only committed as
// it is touched, so the size is headroom for library code the kernels call (GMP allocas its
// temporaries; today's kernels, factorial at n = 111116 included, run on 64 KiB); the guard
// page turns an overflow into a clean SIGSEGV instead of silent corruption. 2048 of them
// reserve 512 MiB of address space.
constexpr size_t kStackBytes = 256 * 1024;

// Tells one worker thread that every task fiber ended and none will start.
struct DoneSignal {
  boost::fibers::mutex mu;
  boost::fibers::condition_variable cv;
  bool done = false;  // guarded by mu
};

// What the threads of one run() share. Owned by run(), which joins every thread before it
// goes away.
//
// Task fibers end on any thread, often all at once (50 timers of the same length), so they
// count themselves out with atomics and touch the fiber mutex only when that may end a wait
// of the launcher: Boost's fiber mutex and condition variable guard their queues with
// spinlocks that spin without sleeping, and 50 threads on 2 cores ending together through
// one mutex starved the spinlock's holder (seconds of CPU, runs 2 to 18 times too long).
struct RunState {
  explicit RunState(uint64_t threads) : done(threads) {}
  const parlab_job_t* job;
  Outcome outcome;
  ReadyQueue queue;
  StackPool stacks{kStackBytes};
  std::atomic<uint64_t> in_flight{0};  // task fibers started and not yet counted out
  std::atomic<uint64_t> alive{0};      // task fibers not yet past their last statement
  boost::fibers::mutex mu;
  boost::fibers::condition_variable changed;  // in_flight left kMaxInFlight or reached 0
  // One per thread but thread 0, so that 49 threads starting together do not queue on one
  // fiber mutex either.
  std::vector<DoneSignal> done;
};

void TaskFiber(RunState& run, uint64_t index) noexcept {
  // Fibers are launched faster than they run: look again when the task would really start.
  if (!run.outcome.ShouldStop(run.job)) StepTaskOnFiber(run.job, index, run.outcome);
  const uint64_t before = run.in_flight.fetch_sub(1);
  if (before == kMaxInFlight || before == 1) {               // the launcher may wait for just this
    { std::lock_guard<boost::fibers::mutex> lock(run.mu); }  // it checks under mu: no lost wake
    run.changed.notify_one();
  }
  run.alive.fetch_sub(1);  // last: nothing after it suspends this fiber
}

// Starts one fiber per task, at most kMaxInFlight alive, until all started or the job stops.
void LaunchTasks(RunState& run, uint64_t threads) {
  for (uint64_t i = 0; i < run.job->task_count; ++i) {
    {
      std::unique_lock<boost::fibers::mutex> lock(run.mu);
      run.changed.wait(lock, [&] { return run.in_flight.load() < kMaxInFlight; });
    }
    if (run.outcome.ShouldStop(run.job)) return;
    run.in_flight.fetch_add(1);  // only this fiber adds
    run.alive.fetch_add(1);
    try {
      boost::fibers::fiber(std::allocator_arg, PooledStack(&run.stacks), [&run, i] {
        TaskFiber(run, i);
      }).detach();
    } catch (const std::exception& e) {
      run.in_flight.fetch_sub(1);
      run.alive.fetch_sub(1);
      run.outcome.Fail(PARLAB_ERROR,
                       "task " + std::to_string(i) + ": cannot create a fiber: " + e.what());
      return;
    }
    // Once a few fibers per thread are ready to run, let them run before creating more
    // (yield: this thread takes the queued fibers before its main fiber). CPU-bound tasks
    // then end and hand their stacks back, instead of a burst of kMaxInFlight fibers and
    // stacks, while no thread idles for want of work; waiting tasks are not ready, so they
    // still pile up to kMaxInFlight.
    while (run.queue.ReadyCount() >= kReadyPerThread * threads) boost::this_fiber::yield();
  }
}

// The body of worker thread `t`: installs the scheduler first, then thread 0 launches the
// tasks and waits for the last fiber, the others wait for that. Meanwhile every thread runs
// whatever fiber is ready in the shared queue.
void Worker(RunState& run, uint64_t t, uint64_t threads) noexcept {
  BindUnit(run.job, static_cast<uint32_t>(t));
  boost::fibers::use_scheduling_algorithm<WorkSharing>(&run.queue);
  try {
    if (t == 0) {
      try {
        LaunchTasks(run, threads);
      } catch (const std::exception& e) {
        run.outcome.Fail(PARLAB_ERROR, std::string("cannot launch tasks: ") + e.what());
      }
      {
        std::unique_lock<boost::fibers::mutex> lock(run.mu);
        run.changed.wait(lock, [&] { return run.in_flight.load() == 0; });
      }
      for (DoneSignal& signal : run.done) {
        {
          std::lock_guard<boost::fibers::mutex> lock(signal.mu);
          signal.done = true;
        }
        signal.cv.notify_one();
      }
    } else {
      DoneSignal& signal = run.done[t];
      std::unique_lock<boost::fibers::mutex> lock(signal.mu);
      signal.cv.wait(lock, [&] { return signal.done; });
    }
    // A task fiber may still be in its last lines (its notify), perhaps queued: let it end
    // before this thread, maybe the one that would run it, leaves. Microseconds at most.
    while (run.alive.load() != 0) boost::this_fiber::yield();
  } catch (const std::exception& e) {
    // Only a broken fiber mutex gets here; no fiber can still depend on this thread's
    // main fiber, and the thread's scheduler finishes its fibers when the thread exits.
    run.outcome.Fail(PARLAB_ERROR, std::string("fiber scheduler failed: ") + e.what());
  }
}

// Under ASan, turns stack-use-after-return detection off while fibers exist. In that mode
// (on by default since clang 15) each thread keeps its frames on a "fake stack" and frees the
// ones it thinks returned by comparing addresses on the real stack; Boost.Fiber switches
// stacks without telling ASan (Debian's Boost is built without BOOST_USE_ASAN), so a thread
// freed live frames of fibers on other stacks and a task crashed, about one repetition in 20
// on 4 threads. Restored once every fiber thread is joined. The switch is process-wide: it is
// off for any other thread too meanwhile (the runner runs one job at a time, on one thread),
// and two guards must not overlap. A no-op in other builds.
class NoFakeStacksWhileFibersRun {
 public:
  NoFakeStacksWhileFibersRun(const NoFakeStacksWhileFibersRun&) = delete;
  NoFakeStacksWhileFibersRun& operator=(const NoFakeStacksWhileFibersRun&) = delete;
#if PARLAB_ASAN
  NoFakeStacksWhileFibersRun() {
    if (&__asan_option_detect_stack_use_after_return == nullptr) return;
    saved_ = __asan_option_detect_stack_use_after_return;
    __asan_option_detect_stack_use_after_return = 0;
  }
  ~NoFakeStacksWhileFibersRun() {
    if (&__asan_option_detect_stack_use_after_return == nullptr) return;
    __asan_option_detect_stack_use_after_return = saved_;
  }

 private:
  int saved_ = 0;
#else
  NoFakeStacksWhileFibersRun() = default;
#endif
};

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    [[maybe_unused]] NoFakeStacksWhileFibersRun asan_guard;
    const uint64_t threads = std::min<uint64_t>(job->concurrency, job->task_count);
    RunState run(threads);
    run.job = job;
    if (job->task_count == 0) return run.outcome.Finish(error);
    {
      std::vector<std::jthread> pool;  // joined when the scope ends
      pool.reserve(threads);
      for (uint64_t t = 0; t < threads; ++t) {
        try {
          pool.emplace_back(&Worker, std::ref(run), t, threads);
        } catch (const std::system_error& e) {
          // Thread 0 (if it exists) still ends every task it started.
          run.outcome.Fail(PARLAB_ERROR,
                           "cannot create worker thread " + std::to_string(t) + ": " + e.what());
          break;
        }
      }
    }
    return run.outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "fibers",
    .version = "1.0.0",
    .description =
        "Boost.Fiber fibers on `concurrency` threads sharing one ready queue, "
        "one fiber per task, up to 2048 in flight",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_THREADS,
};
