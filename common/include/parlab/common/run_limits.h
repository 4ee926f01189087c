// The limits of one job, shared by the coordinator (which applies them to a whole plan,
// coordinator/include/parlab/coordinator/plan_limits.h) and the worker (which applies them to
// every RunJob, since a client may call RunJob without any plan validation). One definition,
// so that a job the coordinator accepts is a job the worker accepts.
//
//   PARLAB_RETURN_IF_ERROR(limits::CheckJobLimits(job, limits::DefaultMaxConcurrency(pus)));
//   // job.repetitions: must be <= 10000, got 1000000000
//
// docs/plans-limits.md lists them with the reasons.
#ifndef PARLAB_COMMON_RUN_LIMITS_H_
#define PARLAB_COMMON_RUN_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::limits {

// String fields, in bytes.
inline constexpr size_t kMaxNameBytes = 256;         // names, models, kinds, keys, labels
inline constexpr size_t kMaxParamValueBytes = 4096;  // a workload parameter (a URL)
// A job id is made of a prefix, the model, the level, a sweep parameter and its value, the
// round and the shard (coordinator/schedule.cc, rounds.cc, shard.cc): room for all of them.
inline constexpr size_t kMaxJobIdBytes = 2 * kMaxParamValueBytes;

// Counts and sizes of the run fields.
inline constexpr int kMaxParams = 64;
inline constexpr int32_t kMaxConcurrency = 100'000;  // any worker, any model
inline constexpr int32_t kMaxRepetitions = 10'000;   // repetitions and max_repetitions
inline constexpr int32_t kMaxWarmup = 1'000;
inline constexpr double kMaxTimeBudgetS = 7 * 24 * 3600.0;  // a week

// A worker's default maximum concurrency: max(kMinWorkerConcurrency, kConcurrencyPerPu x PUs),
// at most kMaxConcurrency. The floor lets coroutines keep 5,000 sleeping tasks in flight on a
// small machine (examples/plans/sleep-5000-coroutines.json); the multiple lets big machines go
// further. Its operator sets another with parlab-worker --max-concurrency N.
inline constexpr int32_t kMinWorkerConcurrency = 10'000;
inline constexpr int32_t kConcurrencyPerPu = 64;
int32_t DefaultMaxConcurrency(int64_t pus);

// A worker's default --max-job-processes: the processes and threads one job may hold at once,
// max(kMinJobProcesses, kJobProcessesPerPu x PUs), at most kMaxConcurrency. More OS units than
// that on a machine measures the scheduler's thrashing, not a model.
inline constexpr int32_t kMinJobProcesses = 1'024;
inline constexpr int32_t kJobProcessesPerPu = 32;
int32_t DefaultMaxJobProcesses(int64_t pus);
// WorkerDescription.job_process_limit of a worker without job cgroups: it holds each job's
// concurrency to max_job_processes instead (what the ABI promises: at most `concurrency` units).
inline constexpr char kProcessLimitCheck[] = "check";

// What a worker publishes in its description (WorkerDescription.max_concurrency), or, for a
// worker older than that field (0), the default for its PUs.
int32_t WorkerMaxConcurrency(const v1::WorkerDescription& worker);
// The largest level a job may ask of `worker`: WorkerMaxConcurrency, and for a worker that
// checks processes by concurrency (kProcessLimitCheck) at most its max_job_processes.
int32_t WorkerLevelLimit(const v1::WorkerDescription& worker);

// Every cap above that a Job can break: its strings, its parameters, concurrency (against
// `max_concurrency`, the worker's), repetitions, warm-ups and the timeout. Fields are named
// `job.<field>`: `job.concurrency: must be <= 10000 (this worker's --max-concurrency), got
// 50000`. NaN and negative numbers are the caller's to word; this bounds the finite ones.
[[nodiscard]] absl::Status CheckJobLimits(const v1::Job& job, int32_t max_concurrency);

// `field: must be at most MAX bytes, got N bytes ("<value, shortened>")` unless it fits.
[[nodiscard]] absl::Status CheckBytes(absl::string_view field, absl::string_view value, size_t max);
// `field: must be <= MAX, got VALUE` unless it fits.
[[nodiscard]] absl::Status CheckAtMost(absl::string_view field, int64_t value, int64_t max);

// At most `max_bytes` of `text` followed by "... (N bytes)", never splitting a UTF-8
// character: how an error quotes a value that may be huge.
std::string Truncated(absl::string_view text, size_t max_bytes = 60);

}  // namespace parlab::limits

#endif  // PARLAB_COMMON_RUN_LIMITS_H_
