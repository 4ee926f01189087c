// Ctrl-C and SIGTERM handled on an ordinary thread (sigwait) rather than in a signal handler,
// so the reaction may lock, cancel gRPC calls and kill children.
//
//   // First thing in main(), before any thread exists: threads inherit the blocked mask.
//   SignalWatcher watcher([&](int signal) { canceller.Cancel(); });
//
// Children started with posix_spawn must reset their mask (POSIX_SPAWN_SETSIGMASK), or they
// would ignore Ctrl-C and SIGTERM too; see cli/local_worker.cc.
#ifndef PARLAB_COORDINATOR_SIGNAL_WATCHER_H_
#define PARLAB_COORDINATOR_SIGNAL_WATCHER_H_

#include <atomic>
#include <functional>
#include <thread>

namespace parlab::coordinator {

class SignalWatcher {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread and calls `on_signal(signo)` on the
  // watcher thread for each one that arrives.
  explicit SignalWatcher(std::function<void(int)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::function<void(int)> on_signal_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_SIGNAL_WATCHER_H_
