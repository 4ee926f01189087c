// A cgroup per job: where the worker may create cgroups, each job's runner and everything it
// forks live in a cgroup of their own whose pids.max (and memory.max) bound the whole job,
// root included (RLIMIT_NPROC does not bind root). When the job ends, whatever is left in it is
// killed and the cgroup removed.
//
//   std::unique_ptr<JobCgroups> cgroups = JobCgroups::Setup({.memory_max_mib = 512});
//   log::Event("job_limits", {{"mechanism", cgroups->mechanism()}, {"reason", cgroups->reason()}});
//   PARLAB_ASSIGN_OR_RETURN(std::unique_ptr<JobCgroup> cgroup, cgroups->Create(80));
//   PARLAB_RETURN_IF_ERROR(cgroup->Add(runner_pid));  // before the runner gets its job
//   ... the job runs ...
//   cgroup->KillAll();
//   std::string hit = cgroup->LimitsHit();  // "pids.max 80 reached ...", or ""
//
// Two mechanisms, tried in order (`--job-cgroups off` skips both):
//  - "cgroup2": the unified hierarchy, when this process's own cgroup has the pids controller
//    and may be changed (systemd Delegate=yes, or the root cgroup). The worker moves itself
//    into a leaf `parlab-worker` (cgroup v2 lets a cgroup hold processes or enable controllers
//    for children, not both) and creates `parlab-job-PID-N` next to it: pids.max, memory.max.
//  - "cgroup1-pids": a legacy (v1) pids hierarchy whose cgroup of this process is writable
//    (root on a hybrid machine): `parlab-job-PID-N` with pids.max; memory stays RLIMIT_DATA.
// Otherwise mechanism() is empty and reason() says why: the worker then checks each job's
// concurrency against the limit instead (worker_service.cc).
#ifndef PARLAB_WORKER_JOB_CGROUP_H_
#define PARLAB_WORKER_JOB_CGROUP_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace parlab {

inline constexpr char kCgroupV2[] = "cgroup2";
inline constexpr char kCgroupV1Pids[] = "cgroup1-pids";

// Processes and threads a job's cgroup allows beyond --max-job-processes: the runner's own
// (main, lifeline watcher, a workload's server threads).
inline constexpr int32_t kRunnerOwnTasks = 16;

struct CgroupSetupOptions {
  int64_t memory_max_mib = 0;  // memory.max of each job (cgroup v2 only); 0: none
  // Where the kernel says what this process's cgroups are and where cgroupfs is mounted; tests
  // point them at a fake tree.
  std::string proc_self_cgroup = "/proc/self/cgroup";
  std::string mounts = "/proc/self/mounts";
};

class JobCgroup;

class JobCgroups {
 public:
  // Finds a mechanism and prepares it (moving this process into its leaf for cgroup v2).
  // Never fails: without one, mechanism() is "" and reason() says why.
  static std::unique_ptr<JobCgroups> Setup(const CgroupSetupOptions& options);
  // None: reason() is `reason`.
  static std::unique_ptr<JobCgroups> None(std::string reason);

  bool available() const { return !mechanism_.empty(); }
  const std::string& mechanism() const { return mechanism_; }  // kCgroupV2, kCgroupV1Pids, ""
  const std::string& reason() const { return reason_; }        // why none
  const std::string& parent() const { return parent_; }        // where job cgroups go

  // [thread-safe] A fresh cgroup for one job whose pids.max is `max_tasks` (and memory.max as
  // set up). The error names the file and the errno.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<JobCgroup>> Create(int32_t max_tasks,
                                                                  const std::string& limit_words);

 private:
  std::string mechanism_;
  std::string reason_;
  std::string parent_;
  int64_t memory_max_mib_ = 0;
  std::atomic<int64_t> next_{0};
};

class JobCgroup {
 public:
  JobCgroup(std::string path, bool v2, int32_t max_tasks, int64_t memory_max_mib,
            std::string limit_words)
      : path_(std::move(path)),
        v2_(v2),
        max_tasks_(max_tasks),
        memory_max_mib_(memory_max_mib),
        limit_words_(std::move(limit_words)) {}
  JobCgroup(const JobCgroup&) = delete;
  JobCgroup& operator=(const JobCgroup&) = delete;
  // KillAll, then removes the cgroup (retried for up to a second while the dead leave it).
  ~JobCgroup();

  const std::string& path() const { return path_; }
  // Moves process `pid` (all its threads) into the cgroup.
  [[nodiscard]] absl::Status Add(pid_t pid);
  // SIGKILL to everything in the cgroup (cgroup.kill where the kernel has it, else each pid of
  // cgroup.procs until it is empty); waits up to a second for it to empty.
  void KillAll();
  // The limits the job ran into, in words, or "": "the job reached its process limit: pids.max
  // 80 (--max-job-processes 64, plus 16 for the runner itself); 3 forks refused" and/or
  // "the job reached its memory limit: memory.max 512 MiB (--max-job-memory); 1 OOM kill".
  std::string LimitsHit() const;

 private:
  const std::string path_;
  const bool v2_;
  const int32_t max_tasks_;
  const int64_t memory_max_mib_;
  const std::string limit_words_;  // "--max-job-processes 64, plus 16 for the runner itself"
  bool killed_ = false;
};

}  // namespace parlab

#endif  // PARLAB_WORKER_JOB_CGROUP_H_
