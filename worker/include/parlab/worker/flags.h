// Command-line flags of `parlab-worker`, parsed into WorkerOptions (kept apart from main() so
// that tests can check them).
//
//   absl::StatusOr<WorkerOptions> options = ParseWorkerFlags({"--listen", "127.0.0.1:0"},
//                                                            ExecutableDir());
//   if (!options.ok()) { std::cerr << options.status().message() << "\n" << WorkerUsage(); }
#ifndef PARLAB_WORKER_FLAGS_H_
#define PARLAB_WORKER_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "parlab/security/net_security.h"
#include "parlab/workloads/http_url.h"

namespace parlab {

// The help: every flag, from the same table the parser reads (common/flags.h).
std::string WorkerUsage();

struct WorkerOptions {
  std::string listen = "127.0.0.1:0";
  std::vector<std::string> plugin_dirs;
  std::string runner_path;
  std::map<std::string, std::string> labels;  // --label KEY=VALUE, in Describe's labels
  std::string coordinator;                    // --coordinator: announce and heartbeat there
  std::string advertise;                      // --advertise: empty = the bound address
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // Limits of every job's runner (0: none). See parlab/runner/job_limits.h.
  int64_t max_job_memory_mib = 0;  // --max-job-memory MiB (RLIMIT_DATA)
  int64_t max_job_files = 0;       // --max-job-files N (RLIMIT_NOFILE)
  // --max-job-processes N: processes and threads one job may hold at once (a cgroup's pids.max,
  // or a check of each job's concurrency without one). 0: the default for this machine,
  // limits::DefaultMaxJobProcesses(PUs), filled in by ParseWorkerFlags.
  int32_t max_job_processes = 0;
  // --job-cgroups auto|off: a cgroup per job where the worker may create them (auto), or never.
  bool job_cgroups = true;
  // --max-concurrency N: the largest concurrency level a job may ask for; 0 until
  // ParseWorkerFlags fills in limits::DefaultMaxConcurrency(PUs). Published in the description.
  int32_t max_concurrency = 0;
  std::string scratch_root;              // --scratch DIR: parent of each job's scratch directory
  std::vector<std::string> python_path;  // --python-path DIR...: where python modules may be
  int lifeline_fd = -1;  // --lifeline FD: exit when FD reaches EOF (cli/local_worker)
  // --allow-http HOST[:PORT],...: where workloads (http.get's url) may send requests; loopback
  // only by default. Published in the description and handed to every runner; no plan widens it.
  workloads::HttpAllowList allow_http;
  // --tls-cert, --tls-key, --tls-ca, --tls-client-auth, --tokens, --token-file, --insecure.
  security::DaemonSecurityFlags security;
  bool print_version = false;  // --version: print the version and exit, serve nothing
};

// Parses the arguments after argv[0]; `--flag VALUE` and `--flag=VALUE` both work. Defaults
// are relative to `exe_dir`. Errors name the flag and the value. "--help" yields a
// CANCELLED status (print usage, exit 0).
[[nodiscard]] absl::StatusOr<WorkerOptions> ParseWorkerFlags(const std::vector<std::string>& args,
                                                             const std::string& exe_dir);

// The folder of the running executable (from /proc/self/exe), or "." if it cannot be read.
std::string ExecutableDir();

}  // namespace parlab

#endif  // PARLAB_WORKER_FLAGS_H_
