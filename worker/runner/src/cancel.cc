#include "parlab/runner/cancel.h"

#include <signal.h>

#include <atomic>

namespace parlab::runner {
namespace {

// Written from a signal handler and read from plugin threads: it must be a lock-free atomic
// (a plain sig_atomic_t is not safe to share between threads).
std::atomic<int> g_cancelled{0};
static_assert(std::atomic<int>::is_always_lock_free);

void OnSigterm(int) { g_cancelled.store(1, std::memory_order_relaxed); }

}  // namespace

void InstallCancelHandler() {
  struct sigaction action {};
  action.sa_handler = &OnSigterm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
}

void RequestCancel() { g_cancelled.store(1, std::memory_order_relaxed); }
void ResetCancel() { g_cancelled.store(0, std::memory_order_relaxed); }
bool IsCancelled() { return g_cancelled.load(std::memory_order_relaxed) != 0; }

}  // namespace parlab::runner
