#include "parlab/coordinator/signal_watcher.h"

#include <pthread.h>
#include <signal.h>

namespace parlab::coordinator {
namespace {

// SIGUSR2 only wakes the watcher up when it should stop.
sigset_t WatchedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal)
    : on_signal_(std::move(on_signal)) {
  sigset_t set = WatchedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    while (true) {
      int signo = 0;
      if (sigwait(&set, &signo) != 0) continue;
      if (stopping_.load()) return;
      if (signo != SIGUSR2 && on_signal_) on_signal_(signo);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  stopping_.store(true);
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

}  // namespace parlab::coordinator
