#include "fiber_task.h"

#include <poll.h>

#include <algorithm>
#include <boost/fiber/operations.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <string>

#include "step_once.h"

namespace parlab::models {
namespace {

using Clock = std::chrono::steady_clock;

// Fd readiness is polled: the first look comes soon after the wait began, later ones back
// off so that a long wait costs little CPU, yet a ready fd is noticed within kMaxPollGap.
constexpr auto kMinPollGap = std::chrono::microseconds(20);
constexpr auto kMaxPollGap = std::chrono::milliseconds(2);

enum class PollResult { kReady, kNotReady, kFailed };

// One non-blocking poll(). Not inlined, and errno is read only here: a fiber may resume on
// another thread after it sleeps, and errno's address (thread-local) must not be cached by
// the caller across that sleep.
[[gnu::noinline]] PollResult PollOnce(int fd, short events, std::string* failure) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = poll(&p, 1, 0);
    if (n > 0) {
      if ((p.revents & POLLNVAL) != 0) {
        *failure = "not an open fd";
        return PollResult::kFailed;
      }
      return PollResult::kReady;  // readable/writable, or an error/hang-up the task will see
    }
    if (n == 0) return PollResult::kNotReady;
    if (errno != EINTR) {
      *failure = std::string("poll: ") + std::strerror(errno);
      return PollResult::kFailed;
    }
  }
}

// Waits until the fd is ready or, if timeout_ns > 0, the timeout passed; either way the task
// is stepped again and decides for itself. Returns false with `failure` set if poll() fails.
bool WaitForFd(const parlab_wait_t& wait, std::string* failure) {
  if (wait.fd < 0) {  // poll() would skip it, and the wait would never end
    *failure = "not an open fd";
    return false;
  }
  const short events = wait.kind == PARLAB_WAIT_READABLE ? POLLIN : POLLOUT;
  const bool has_deadline = wait.timeout_ns > 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::nanoseconds(wait.timeout_ns);
  Clock::duration gap = kMinPollGap;
  for (;;) {
    switch (PollOnce(wait.fd, events, failure)) {
      case PollResult::kReady:
        return true;
      case PollResult::kFailed:
        return false;
      case PollResult::kNotReady:
        break;
    }
    Clock::duration nap = gap;
    if (has_deadline) {
      const Clock::time_point now = Clock::now();
      if (now >= deadline) return true;
      nap = std::min(nap, deadline - now);
    }
    boost::this_fiber::sleep_for(nap);
    gap = std::min<Clock::duration>(gap * 2, kMaxPollGap);
  }
}

// Steps the task; may throw (from the fiber library), which the caller catches.
void StepToEnd(const parlab_job_t* job, uint64_t index, Outcome& outcome) {
  void* state = nullptr;
  for (;;) {
    parlab_wait_t wait{};
    const StepNext next = StepOnce(job, index, &state, &wait, outcome);
    if (next == StepNext::kEnd) return;
    if (next == StepNext::kWaitTimer) {
      boost::this_fiber::sleep_for(std::chrono::nanoseconds(wait.timeout_ns));
      continue;
    }
    std::string failure;
    if (!WaitForFd(wait, &failure)) {
      FailFdWait(outcome, index, wait, failure);
      return;
    }
  }
}

}  // namespace

void StepTaskOnFiber(const parlab_job_t* job, uint64_t index, Outcome& outcome) noexcept {
  // An exception that leaves a fiber's function ends the process (std::terminate).
  try {
    StepToEnd(job, index, outcome);
  } catch (const std::exception& e) {
    outcome.Fail(PARLAB_ERROR, "task " + std::to_string(index) + ": fiber failed: " + e.what());
  } catch (...) {
    outcome.Fail(PARLAB_ERROR, "task " + std::to_string(index) + ": fiber failed");
  }
}

}  // namespace parlab::models
