// SteppedTasks: the Boost.Asio side of the stepping form, shared by the coroutine models.
// Runner coroutines take task indices from one counter and step each task (job->step_task)
// to its end; when a task waits, its coroutine suspends on a steady_timer or on the fd's
// readiness instead of blocking a thread. Timers and descriptors are created on the
// coroutine's own executor, so a coroutine spawned on a strand stays on it even when several
// threads run the io_context.
//
//   Outcome outcome;
//   asio::io_context io(1);
//   SteppedTasks tasks(job, outcome);
//   for (uint64_t r = 0; r < runners; ++r) tasks.Spawn(io.get_executor());
//   io.run();  // returns when every runner has finished
//   return outcome.Finish(error);
#ifndef PARLAB_PLUGINS_MODELS_SUPPORT_ASIO_STEPPED_TASKS_H_
#define PARLAB_PLUGINS_MODELS_SUPPORT_ASIO_STEPPED_TASKS_H_

// clang-format off
#include "asio_compat.h"  // first: fixes Boost 1.74's awaitable.hpp under C++20
// clang-format on

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "model_support.h"
#include "parlab/model_abi.h"
#include "step_once.h"

namespace parlab::models {

class SteppedTasks {
 public:
  SteppedTasks(const parlab_job_t* job, Outcome& outcome) : job_(job), outcome_(outcome) {}

  // Starts one runner coroutine on `executor`. [thread-safe once the io_context runs]
  template <typename Executor>
  void Spawn(const Executor& executor) {
    boost::asio::co_spawn(executor, Runner(), [this](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        outcome_.Fail(PARLAB_ERROR, std::string("coroutine failed: ") + ex.what());
      } catch (...) {
        outcome_.Fail(PARLAB_ERROR, "coroutine failed: unknown exception");
      }
    });
  }

 private:
  using Descriptor = boost::asio::posix::stream_descriptor;

  // Runs tasks one after another until none is left or the job stops.
  boost::asio::awaitable<void> Runner() {
    for (;;) {
      // Take the index first, so that a job whose last task already finished is not
      // reported as cancelled by a late look at the cancel flag.
      const uint64_t i = next_.fetch_add(1);
      if (i >= job_->task_count || outcome_.ShouldStop(job_)) co_return;
      co_await StepToEnd(i);
    }
  }

  // Steps task `index` until it is done or failed. A started task is always stepped to its
  // end (even after another task failed): only then does the runner free its state.
  boost::asio::awaitable<void> StepToEnd(uint64_t index) {
    const boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
    void* state = nullptr;
    for (;;) {
      parlab_wait_t wait{};
      const StepNext next = StepOnce(job_, index, &state, &wait, outcome_);
      if (next == StepNext::kEnd) co_return;
      if (next == StepNext::kWaitTimer) {
        boost::asio::steady_timer timer(executor, std::chrono::nanoseconds(wait.timeout_ns));
        co_await timer.async_wait(boost::asio::use_awaitable);
        continue;
      }
      std::string failure;  // no co_await is allowed inside a catch block
      try {
        co_await WaitForFd(executor, wait);
      } catch (const std::exception& e) {
        failure = e.what();
      }
      if (!failure.empty()) {
        FailFdWait(outcome_, index, wait, failure);
        co_return;
      }
    }
  }

  // Waits until the fd is ready or, if timeout_ns > 0, the timeout passed; either way the
  // task is stepped again and decides for itself.
  static boost::asio::awaitable<void> WaitForFd(const boost::asio::any_io_executor& executor,
                                                const parlab_wait_t& wait) {
    // The fd belongs to the workload: release() it instead of closing it.
    std::shared_ptr<Descriptor> fd(new Descriptor(executor, wait.fd), [](Descriptor* d) {
      d->release();
      delete d;
    });
    boost::asio::steady_timer timer(executor);
    if (wait.timeout_ns > 0) {
      timer.expires_after(std::chrono::nanoseconds(wait.timeout_ns));
      // weak_ptr: the timer's handler may run after this frame ended. Both handlers run on
      // the coroutine's executor (a strand under several threads), so they never race.
      timer.async_wait([weak = std::weak_ptr<Descriptor>(fd)](boost::system::error_code ec) {
        boost::system::error_code ignored;
        if (auto d = weak.lock(); d && !ec) d->cancel(ignored);
      });
    }
    boost::system::error_code ec;  // operation_aborted = timed out; not an error
    co_await fd->async_wait(
        wait.kind == PARLAB_WAIT_READABLE ? Descriptor::wait_read : Descriptor::wait_write,
        boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    timer.cancel();
  }

  const parlab_job_t* job_;
  Outcome& outcome_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace parlab::models

#endif  // PARLAB_PLUGINS_MODELS_SUPPORT_ASIO_STEPPED_TASKS_H_
