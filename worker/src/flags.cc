#include "parlab/worker/flags.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "parlab/common/flags.h"
#include "parlab/common/lifeline.h"
#include "parlab/common/run_limits.h"
#include "parlab/common/status_macros.h"

namespace parlab {
namespace {

const std::vector<flags::Flag> kWorkerOwnFlags = {
    {"--listen", "HOST:PORT", "address to serve on (127.0.0.1:0: any free port)", "127.0.0.1:0"},
    {"--plugins", "DIRS", "colon-separated plugin folders, searched in order",
     "<exe_dir>/../lib/parlab/plugins"},
    {"--runner", "PATH", "the parlab-runner executable", "<exe_dir>/parlab-runner"},
    {"--coordinator", "HOST:PORT",
     "announce this worker to a parlab-coordinator and keep a heartbeat;\n"
     "a coordinator that is down is retried, never fatal"},
    {"--advertise", "HOST:PORT",
     "the address the coordinator reaches this worker at (default: the\n"
     "bound --listen address)"},
    {"--label", "KEY=VALUE", "a label runs can select on (repeatable: --label rack=a)"},
    {"--heartbeat-interval", "SECONDS", "seconds between heartbeats", "1"},
    {"--max-job-memory", "MIB",
     "memory limit of each job's runner in MiB (RLIMIT_DATA; 0: none);\n"
     "a job that reaches it fails, naming the limit",
     "0"},
    {"--max-job-files", "N", "open-file limit of each job's runner (RLIMIT_NOFILE; 0: inherited)",
     "0"},
    {"--max-job-processes", "N",
     "processes and threads one job may hold at once: a cgroup per job\n"
     "with pids.max N where the worker may create cgroups, else a job\n"
     "whose concurrency exceeds N is refused (and, where it binds, each\n"
     "runner gets RLIMIT_NPROC N + 16 above the user's own); a job that\n"
     "reaches it fails",
     "max(1024, 32 x PUs)"},
    {"--job-cgroups", "auto|off",
     "auto: a cgroup per job (pids.max, memory.max) when cgroups can be\n"
     "created here (cgroup v2 delegated, or cgroup v1 pids as root); off: never",
     "auto"},
    {"--max-concurrency", "N",
     "the largest concurrency level a job may ask for; published to\n"
     "coordinators, which refuse a plan above it before any job",
     "max(10000, 64 x PUs)"},
    {"--scratch", "DIR",
     "where each job gets its scratch directory ($TMPDIR of the runner),\n"
     "removed when the job ends",
     "$TMPDIR, else /tmp"},
    {"--allow-http", "HOST[:PORT],...",
     "where workloads may send HTTP requests (http.get's url): IPv4\n"
     "addresses, with a port or any port, and `loopback` (127.0.0.0/8);\n"
     "replaces the default, which no plan can widen",
     "loopback"},
    {"--python-path", "DIR",
     "a directory python workloads may import modules from (repeatable; none: no Python)"},
    {"--lifeline", "FD",
     "exit when this inherited pipe reaches EOF (the process that\n"
     "started the worker died; parlab run's local worker)"},
};

// The worker's own flags, then the security flags both daemons share (docs/security.md).
const std::vector<flags::Flag> kWorkerFlags = [] {
  std::vector<flags::Flag> table = kWorkerOwnFlags;
  const std::vector<flags::Flag>& security = security::DaemonFlagTable();
  table.insert(table.end(), security.begin(), security.end());
  return table;
}();

// A whole number in [0, max]: `--max-job-files: must be an integer in [0, 1048576], got "x"`.
absl::StatusOr<int64_t> Count(const std::string& flag, const std::string& value, int64_t max) {
  int64_t count = 0;
  if (!absl::SimpleAtoi(value, &count) || count < 0 || count > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": must be an integer in [0, ", max, "], got \"", value, "\""));
  }
  return count;
}

absl::Status Apply(const std::string& flag, const std::string& value, WorkerOptions& options) {
  if (security::IsDaemonFlag(flag)) return security::ApplyDaemonFlag(flag, value, options.security);
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": must not be empty"));
  if (flag == "--listen") {
    PARLAB_ASSIGN_OR_RETURN(options.listen, flags::HostPort(flag, value, 0));
  } else if (flag == "--coordinator") {
    PARLAB_ASSIGN_OR_RETURN(options.coordinator, flags::HostPort(flag, value));
  } else if (flag == "--advertise") {
    PARLAB_ASSIGN_OR_RETURN(options.advertise, flags::HostPort(flag, value));
  } else if (flag == "--label") {
    PARLAB_ASSIGN_OR_RETURN(auto label, flags::KeyValue(flag, value));
    options.labels[label.first] = label.second;
  } else if (flag == "--heartbeat-interval") {
    PARLAB_ASSIGN_OR_RETURN(options.heartbeat_interval,
                            flags::PositiveSeconds(flag, value, absl::Hours(1)));
  } else if (flag == "--plugins") {
    options.plugin_dirs = absl::StrSplit(value, ':', absl::SkipEmpty());
    if (options.plugin_dirs.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--plugins: expected DIR[:DIR...], got \"", value, "\""));
    }
  } else if (flag == "--runner") {
    options.runner_path = value;
  } else if (flag == "--max-job-memory") {
    // 16 MiB: below that not even the runner's own start fits. 1 TiB: far above any machine.
    PARLAB_ASSIGN_OR_RETURN(options.max_job_memory_mib, Count(flag, value, int64_t{1} << 20));
    if (options.max_job_memory_mib > 0 && options.max_job_memory_mib < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must be 0 (no limit) or >= 16 MiB, got ", value));
    }
  } else if (flag == "--max-job-files") {
    // 16: the runner's pipes, stdio and a plugin need a few; 1048576: the kernel's nr_open.
    PARLAB_ASSIGN_OR_RETURN(options.max_job_files, Count(flag, value, int64_t{1} << 20));
    if (options.max_job_files > 0 && options.max_job_files < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must be 0 (inherited) or >= 16, got ", value));
    }
  } else if (flag == "--max-job-processes" || flag == "--max-concurrency") {
    // 16: the runner's own threads; 100000: kMaxConcurrency, the cap of any plan.
    PARLAB_ASSIGN_OR_RETURN(const int64_t count, Count(flag, value, limits::kMaxConcurrency));
    if (count < 1 || (flag == "--max-job-processes" && count < 16)) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, ": must be at least ", flag == "--max-job-processes" ? 16 : 1, ", got ", value));
    }
    (flag == "--max-concurrency" ? options.max_concurrency : options.max_job_processes) =
        static_cast<int32_t>(count);
  } else if (flag == "--job-cgroups") {
    if (value != "auto" && value != "off") {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must be auto or off, got \"", value, "\""));
    }
    options.job_cgroups = value == "auto";
  } else if (flag == "--python-path") {
    // Absolute and resolved now: runners resolve modules against it whatever their cwd.
    char real[PATH_MAX];
    struct stat st {};
    if (realpath(value.c_str(), real) == nullptr || stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": must be an existing directory, got \"", value, "\""));
    }
    options.python_path.push_back(real);
  } else if (flag == "--scratch") {
    options.scratch_root = value;
  } else if (flag == "--allow-http") {
    absl::StatusOr<workloads::HttpAllowList> allow = workloads::HttpAllowList::Parse(value);
    if (!allow.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": ", allow.status().message()));
    }
    options.allow_http = *std::move(allow);
  } else if (flag == "--lifeline") {
    PARLAB_ASSIGN_OR_RETURN(options.lifeline_fd, ParseLifelineFd(flag, value));
  }
  return absl::OkStatus();
}

}  // namespace

std::string WorkerUsage() {
  return "usage: parlab-worker [flags]\n" + flags::FlagHelp(kWorkerFlags);
}

absl::StatusOr<WorkerOptions> ParseWorkerFlags(const std::vector<std::string>& args,
                                               const std::string& exe_dir) {
  WorkerOptions options;
  options.plugin_dirs = {
      (std::filesystem::path(exe_dir) / "../lib/parlab/plugins").lexically_normal().string()};
  options.runner_path = exe_dir + "/parlab-runner";
  PARLAB_ASSIGN_OR_RETURN(flags::ParsedFlags parsed, flags::ParseFlags(args, kWorkerFlags));
  if (parsed.help) return absl::CancelledError("help requested");
  if (parsed.version) {
    options.print_version = true;
    return options;
  }
  if (!parsed.positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", parsed.positional[0], "\""));
  }
  for (const auto& [flag, value] : parsed.values) {
    PARLAB_RETURN_IF_ERROR(Apply(flag, value, options));
  }
  // The PUs the kernel has online (what hwloc counts as PUs, without loading the topology).
  const int64_t pus = std::max<int64_t>(1, sysconf(_SC_NPROCESSORS_ONLN));
  if (options.max_concurrency == 0) options.max_concurrency = limits::DefaultMaxConcurrency(pus);
  if (options.max_job_processes == 0) {
    options.max_job_processes = limits::DefaultMaxJobProcesses(pus);
  }
  return options;
}

std::string ExecutableDir() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return ".";
  std::string exe(path, static_cast<size_t>(n));
  const size_t slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

}  // namespace parlab
