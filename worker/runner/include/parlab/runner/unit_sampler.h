// Execution units of this process, seen from /proc: its threads and its child processes, and a
// sampling thread that records how many were alive at once while a model's run() executes.
// `parlab models validate` (the runner's --validate mode) uses it to check that a model keeps
// at most `concurrency` units alive and leaves none behind.
//
//   UnitSampler sampler;                    // starts the sampling thread
//   const UnitCounts baseline = CountUnits();  // main + sampler (+ anything already leaked)
//   entry->run(job, &error);
//   UnitCounts peak = sampler.Stop();
//   if (peak.threads - baseline.threads > concurrency) ...
#ifndef PARLAB_RUNNER_UNIT_SAMPLER_H_
#define PARLAB_RUNNER_UNIT_SAMPLER_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace parlab::runner {

// Thread ids of this process (/proc/self/task), sorted.
std::vector<pid_t> ListThreads();
// Pids of this process's child processes, zombies included (a /proc scan), sorted.
std::vector<pid_t> ListChildren();

struct UnitCounts {
  int threads = 0;
  int children = 0;
};
UnitCounts CountUnits();

// What the sampling thread does besides sampling, timed from its start.
struct SamplerOptions {
  // Called once, `action_after` the start (the cancellation check cancels the job here).
  std::function<void()> action;
  std::chrono::milliseconds action_after{0};
  // Called if Stop() has not come `hang_after` the start (or the action, when there is one):
  // a run() that never returns. The callback is expected to end the process.
  std::function<void()> on_hang;
  std::chrono::milliseconds hang_after{std::chrono::seconds(30)};
};

class UnitSampler {
 public:
  // Starts sampling: threads every millisecond, children every 5 ms (a /proc scan is dearer).
  // A unit counts only when two consecutive samples both saw it, so a thread caught in the
  // microseconds between its join() returning and the kernel removing it is not counted.
  explicit UnitSampler(SamplerOptions options = {});
  ~UnitSampler();  // stops
  UnitSampler(const UnitSampler&) = delete;
  UnitSampler& operator=(const UnitSampler&) = delete;

  // run() returned: on_hang will not be called any more (sampling goes on until Stop()).
  void Disarm() { disarmed_.store(true); }

  // Stops the thread; returns the most units seen alive at once (the sampler itself included).
  UnitCounts Stop();

 private:
  void Loop();

  SamplerOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> disarmed_{false};
  UnitCounts peak_;
  std::thread thread_;
};

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_UNIT_SAMPLER_H_
