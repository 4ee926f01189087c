// SyntheticJob: a parlab_job_t whose tasks are implemented here, so models can be tested at
// the ABI level without the workload library. Everything the tasks record lives in
// MAP_SHARED memory, so work done in children forked by process models is visible too.
//
//   SyntheticJob job({.tasks = 100, .concurrency = 4, .fail_index = 3});
//   parlab_error_t error{};
//   int32_t status = entry->run(job.job(), &error);
//   EXPECT_EQ(job.shared().runs[3].load(), 1u);
#ifndef PARLAB_TESTS_MODELS_SYNTHETIC_JOB_H_
#define PARLAB_TESTS_MODELS_SYNTHETIC_JOB_H_

#include <atomic>
#include <cstdint>

#include "parlab/model_abi.h"

namespace parlab::testing {

// What a stepped task waits for on its first step (the second step completes it).
enum class StepWait {
  kTimer,            // PARLAB_WAIT_TIMER of JobSpec::wait_ns
  kReadableReady,    // READABLE on a pipe that already holds data
  kReadableTimeout,  // READABLE on an empty pipe with timeout_ns = wait_ns: must time out
  kWritable,         // WRITABLE on an empty pipe's write end
};

struct JobSpec {
  uint64_t tasks = 100;
  uint32_t concurrency = 4;
  int64_t fail_index = -1;             // this task returns an error "boom"
  int64_t crash_index = -1;            // this task raises SIGUSR1 (for process models)
  uint64_t cancel_after = UINT64_MAX;  // is_cancelled() turns on once this many tasks started
  uint32_t task_us = 0;                // blocking form: how long a task sleeps
  uint64_t wait_ns = 1'000'000;        // stepping form: the wait's duration / timeout
  StepWait step_wait = StepWait::kTimer;
  bool sample_vm = false;  // record the process's peak VmSize (costly: /proc read)
};

inline constexpr uint64_t kMaxTasks = 4096;

// The shared, cross-process record of what the tasks did.
struct SharedRecord {
  std::atomic<uint32_t> runs[kMaxTasks];  // completed executions per task index
  std::atomic<uint64_t> started;          // tasks begun (either form)
  std::atomic<int32_t> in_flight;         // tasks begun and not yet completed
  std::atomic<int32_t> peak_in_flight;
  std::atomic<int32_t> peak_threads;  // most entries seen in /proc/self/task by a task
  std::atomic<uint32_t> cancelled;
  std::atomic<uint64_t> fd_steps_after_timeout;  // kReadableTimeout: second steps seen
  std::atomic<int64_t> peak_vm_kb;               // with JobSpec::sample_vm
};

class SyntheticJob {
 public:
  explicit SyntheticJob(const JobSpec& spec);
  ~SyntheticJob();
  SyntheticJob(const SyntheticJob&) = delete;
  SyntheticJob& operator=(const SyntheticJob&) = delete;

  const parlab_job_t* job() const { return &job_; }
  SharedRecord& shared() const { return *shared_; }
  const JobSpec& spec() const { return spec_; }
  // The pipe fds used by fd waits; the model must leave them open.
  int read_fd() const { return pipe_[0]; }
  int write_fd() const { return pipe_[1]; }

  // Sum of runs[] and the largest per-task count.
  uint64_t TotalRuns() const;
  uint32_t MaxRunsPerTask() const;

 private:
  static int32_t RunTask(const parlab_job_t* job, uint64_t index, parlab_error_t* error);
  static int32_t StepTask(const parlab_job_t* job, uint64_t index, void** state,
                          parlab_wait_t* wait, parlab_error_t* error);
  static int32_t IsCancelled(const parlab_job_t* job);
  static void Log(const parlab_job_t* job, const char* message);

  void Begin();
  int32_t Complete(uint64_t index, parlab_error_t* error);

  JobSpec spec_;
  SharedRecord* shared_;
  int pipe_[2] = {-1, -1};        // for READABLE / WRITABLE waits
  int ready_pipe_[2] = {-1, -1};  // holds one byte: always readable
  parlab_job_t job_{};
};

// Live threads of this process (entries in /proc/self/task).
int CountThreads();

// This process's virtual memory size in KiB (VmSize in /proc/self/status), or -1.
int64_t VmSizeKb();

}  // namespace parlab::testing

#endif  // PARLAB_TESTS_MODELS_SYNTHETIC_JOB_H_
