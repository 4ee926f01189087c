// coroutines: Boost.Asio C++20 coroutines on ONE io_context run on the calling thread.
// min(concurrency, task_count) launcher coroutines pull task indices from a counter, so at
// most `concurrency` tasks are in flight. Each task is stepped (job->step_task); when it waits,
// its coroutine suspends on a steady_timer or on the fd's readiness instead of blocking the
// thread, which is what lets thousands of waiting tasks overlap on one thread.
// clang-format off
#include "asio_compat.h"  // first: fixes Boost 1.74's awaitable.hpp under C++20
// clang-format on

#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using Descriptor = asio::posix::stream_descriptor;

class Scheduler {
 public:
  Scheduler(const parlab_job_t* job, asio::io_context& io, Outcome& outcome)
      : job_(job), io_(io), outcome_(outcome) {}

  // Runs tasks one after another until none is left or the job stops.
  awaitable<void> Launcher() {
    for (;;) {
      const uint64_t i = next_++;
      if (i >= job_->task_count || outcome_.ShouldStop(job_)) co_return;
      co_await RunTask(i);
    }
  }

 private:
  // Steps task `index` until it is done or failed. A started task is always stepped to its
  // end (even after another task failed): only then does the runner free its state.
  awaitable<void> RunTask(uint64_t index) {
    void* state = nullptr;
    for (;;) {
      parlab_wait_t wait{};
      parlab_error_t task_error{};
      const int32_t step = job_->step_task(job_, index, &state, &wait, &task_error);
      if (step == PARLAB_STEP_DONE) co_return;
      if (step != PARLAB_STEP_WAIT) {
        const bool cancelled = job_->is_cancelled != nullptr && job_->is_cancelled(job_) != 0;
        outcome_.Record(index, cancelled ? PARLAB_CANCELLED : PARLAB_ERROR, task_error);
        co_return;
      }
      if (wait.kind == PARLAB_WAIT_TIMER) {
        asio::steady_timer timer(io_, std::chrono::nanoseconds(wait.timeout_ns));
        co_await timer.async_wait(use_awaitable);
      } else if (wait.kind == PARLAB_WAIT_READABLE || wait.kind == PARLAB_WAIT_WRITABLE) {
        std::string failure;  // no co_await is allowed inside a catch block
        try {
          co_await WaitForFd(wait);
        } catch (const std::exception& e) {
          failure = e.what();
        }
        if (!failure.empty()) {
          outcome_.Fail(PARLAB_ERROR, "task " + std::to_string(index) + ": cannot wait on fd " +
                                          std::to_string(wait.fd) + ": " + failure);
          co_return;
        }
      } else {
        // The task cannot go on and its state cannot be freed from here; fail the job.
        outcome_.Fail(PARLAB_ERROR, "task " + std::to_string(index) + ": unknown wait kind " +
                                        std::to_string(wait.kind));
        co_return;
      }
    }
  }

  // Waits until the fd is ready or, if timeout_ns > 0, the timeout passed; either way the
  // task is stepped again and decides for itself.
  awaitable<void> WaitForFd(const parlab_wait_t& wait) {
    // The fd belongs to the workload: release() it instead of closing it.
    std::shared_ptr<Descriptor> fd(new Descriptor(io_, wait.fd), [](Descriptor* d) {
      d->release();
      delete d;
    });
    asio::steady_timer timer(io_);
    if (wait.timeout_ns > 0) {
      timer.expires_after(std::chrono::nanoseconds(wait.timeout_ns));
      // weak_ptr: the timer's handler may run after this frame ended.
      timer.async_wait([weak = std::weak_ptr<Descriptor>(fd)](boost::system::error_code ec) {
        if (auto d = weak.lock(); d && !ec) d->cancel();
      });
    }
    boost::system::error_code ec;  // operation_aborted = timed out; not an error
    co_await fd->async_wait(
        wait.kind == PARLAB_WAIT_READABLE ? Descriptor::wait_read : Descriptor::wait_write,
        asio::redirect_error(use_awaitable, ec));
    timer.cancel();
  }

  const parlab_job_t* job_;
  asio::io_context& io_;
  Outcome& outcome_;
  uint64_t next_ = 0;  // one thread: no atomics needed
};

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    asio::io_context io(1);
    Scheduler scheduler(job, io, outcome);
    const uint64_t launchers = std::min<uint64_t>(job->concurrency, job->task_count);
    for (uint64_t l = 0; l < launchers; ++l) {
      asio::co_spawn(io, scheduler.Launcher(), [&outcome](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          outcome.Fail(PARLAB_ERROR, std::string("coroutine failed: ") + ex.what());
        } catch (...) {
          outcome.Fail(PARLAB_ERROR, "coroutine failed: unknown exception");
        }
      });
    }
    io.run();  // returns when every coroutine has finished
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "coroutines",
    .version = "1.0.0",
    .description = "Boost.Asio C++20 coroutines on one thread, `concurrency` tasks in flight",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
};
