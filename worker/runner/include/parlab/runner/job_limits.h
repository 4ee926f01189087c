// Per-job resource limits, applied by the runner to itself before it loads a plugin, so that a
// job that allocates without bound or leaks file descriptors fails alone, naming the limit,
// while the worker keeps serving. The worker passes them as flags (parlab-worker
// --max-job-memory / --max-job-files become parlab-runner --max-memory-mib / --max-open-files;
// --max-job-processes becomes --max-processes where no cgroup counts a job's processes and the
// worker is not root).
//
//   JobLimits limits{.max_memory_mib = 1024, .max_open_files = 4096};
//   if (absl::Status s = ApplyJobLimits(limits); !s.ok()) return ReportError(sink, s.message());
//   ReportOutOfMemoryAs(frame_fd, limits);  // a failed `new` becomes an error frame
#ifndef PARLAB_RUNNER_JOB_LIMITS_H_
#define PARLAB_RUNNER_JOB_LIMITS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace parlab::runner {

struct JobLimits {
  int64_t max_memory_mib = 0;  // RLIMIT_DATA (heap and private mappings); 0: unlimited
  int64_t max_open_files = 0;  // RLIMIT_NOFILE; 0: unlimited (the inherited limit)
  // RLIMIT_NPROC counts every process and thread of the real user, so the limit set is this
  // many above the user's count when the runner starts (at most the inherited hard limit). The
  // worker passes it only where it binds and the count can be taken (server.cc). 0: none.
  int64_t max_processes = 0;
};

// setrlimit() for each limit that is set (soft and hard: the plugin cannot raise it back).
[[nodiscard]] absl::Status ApplyJobLimits(const JobLimits& limits);

// " (the job's process limit: RLIMIT_NPROC 37, the user's 5 processes and threads at its start
// plus 32 (--max-job-processes, with the runner's own threads))" when ApplyJobLimits set
// RLIMIT_NPROC and `error` reports EAGAIN, what fork() and pthread_create() fail with at that
// limit; "" otherwise.
std::string ProcessLimitNote(const std::string& error);

// Makes a failed operator new write one RunnerEvent error frame to `frame_fd` ("runner: out of
// memory: the job reached its memory limit 512 MiB (--max-job-memory)") and exit with status
// 3, instead of an uncaught std::bad_alloc. The frame is encoded now, while memory is there.
void ReportOutOfMemoryAs(int frame_fd, const JobLimits& limits);

}  // namespace parlab::runner

#endif  // PARLAB_RUNNER_JOB_LIMITS_H_
