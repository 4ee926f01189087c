// coroutines_mt: Boost.Asio C++20 coroutines on ONE io_context run by `concurrency` OS
// threads (the calling thread and concurrency-1 more). Here `concurrency` bounds the
// threads, not the tasks: up to kMaxInFlight tasks are in flight at once, each stepped by its
// own runner coroutine (support/asio_stepped_tasks.h), so waiting tasks overlap freely while
// CPU work spreads over the threads. Every runner lives on its own strand: a task's timer
// and fd handlers never run at the same time, while one task's steps may still run on
// different threads (one at a time, as the ABI allows).
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <exception>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "asio_stepped_tasks.h"
#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

// The most tasks in flight at once, whatever the thread count: enough for thousands of
// overlapping waits, small enough that a huge job does not hold a frame per task.
constexpr uint64_t kMaxInFlight = 2048;

// Runs the io_context until it is out of work. A handler that throws is recorded and the
// loop goes on, so every started task is still stepped to its end.
void RunIo(boost::asio::io_context& io, Outcome& outcome) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      outcome.Fail(PARLAB_ERROR, std::string("event loop failed: ") + e.what());
    } catch (...) {
      outcome.Fail(PARLAB_ERROR, "event loop failed: unknown exception");
    }
  }
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    if (job->task_count == 0) return outcome.Finish(error);
    const uint64_t threads = std::min<uint64_t>(job->concurrency, job->task_count);
    boost::asio::io_context io(static_cast<int>(threads));
    SteppedTasks tasks(job, outcome);
    const uint64_t runners = std::min<uint64_t>(kMaxInFlight, job->task_count);
    for (uint64_t r = 0; r < runners; ++r) tasks.Spawn(boost::asio::make_strand(io));
    {
      std::vector<std::jthread> pool;  // joined when the scope ends
      pool.reserve(threads - 1);
      for (uint64_t t = 1; t < threads; ++t) {
        try {
          pool.emplace_back([&, t] {
            BindUnit(job, static_cast<uint32_t>(t));
            RunIo(io, outcome);
          });
        } catch (const std::system_error& e) {
          // The runners already spawned still finish (they stop taking new tasks).
          outcome.Fail(PARLAB_ERROR,
                       "cannot create worker thread " + std::to_string(t) + ": " + e.what());
          break;
        }
      }
      // The calling thread is unit 0 of the `threads` (the runner unpins it after run()).
      BindUnit(job, 0);
      RunIo(io, outcome);
    }
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "coroutines_mt",
    .version = "1.0.0",
    .description =
        "Boost.Asio C++20 coroutines on one io_context run by `concurrency` threads, "
        "up to 2048 tasks in flight",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_THREADS,
};
