// parlab-runner: runs ONE job in a fresh process, or describes the plugins. Frames go to
// stdout, logs to stderr; the contract is in docs/architecture.md ("The runner contract") and
// job_runner.h.
//
//   parlab-runner --describe --plugins DIR[:DIR...]
//   parlab-runner --job --plugin PATH.so  < Job frame  > RunnerEvent frames
//                 [--lifeline FD] [--max-memory-mib N] [--max-open-files N] [--max-processes N]
//                 [--allow-http loopback,IPV4[:PORT],...]
//   parlab-runner --validate --plugin PATH.so   (conformance report lines, see validate.h)
//   parlab-runner --check-workload  < Job frame  > one RunnerEvent (done or error)
//                 [--lifeline FD] [--max-memory-mib N] [--max-open-files N] [--max-processes N]
//                 [--allow-http loopback,IPV4[:PORT],...]
//   [--python-path DIR]...   (with --job and --check-workload: where python modules may be)
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "parlab/common/framing.h"
#include "parlab/common/lifeline.h"
#include "parlab/runner/cancel.h"
#include "parlab/runner/describe.h"
#include "parlab/runner/job_limits.h"
#include "parlab/runner/job_runner.h"
#include "parlab/runner/plugin_loader.h"
#include "parlab/runner/validate.h"
#include "parlab/workloads/http_url.h"
#include "parlab/workloads/python.h"

namespace parlab::runner {
namespace {

constexpr int kExitUsage = 64;  // EX_USAGE
constexpr char kUsage[] =
    "usage: parlab-runner --describe --plugins DIR[:DIR...]\n"
    "       parlab-runner --job --plugin PATH.so   (reads one Job frame from stdin)\n"
    "                     [--lifeline FD]   (the job's process group dies at EOF on FD)\n"
    "                     [--max-memory-mib N] [--max-open-files N] [--max-processes N]\n"
    "                     [--allow-http LIST]   (where http.get may go; default loopback)\n"
    "       parlab-runner --validate --plugin PATH.so   (conformance checks, one line each)\n"
    "       parlab-runner --check-workload   (reads one Job frame; imports python modules)\n"
    "                     [--lifeline FD] [--max-memory-mib N] [--max-open-files N]\n"
    "                     [--max-processes N] [--allow-http LIST]\n"
    "       [--python-path DIR]...   (--job, --check-workload: where python code may be)\n";

struct Args {
  bool describe = false, job = false, validate = false, check = false, help = false;
  std::string plugins, plugin;
  std::vector<std::string> python_path;
  int lifeline_fd = -1;
  JobLimits limits;
  workloads::HttpAllowList allow_http;  // --allow-http: the worker's; loopback when absent
};

bool ParseCount(const char* flag, const char* value, int64_t& out) {
  if (absl::SimpleAtoi(value, &out) && out > 0) return true;
  std::fprintf(stderr, "parlab-runner: %s: must be a positive integer, got \"%s\"\n", flag, value);
  return false;
}

bool Parse(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--describe") {
      args.describe = true;
    } else if (flag == "--job") {
      args.job = true;
    } else if (flag == "--validate") {
      args.validate = true;
    } else if (flag == "--check-workload") {
      args.check = true;
    } else if (flag == "--python-path" && i + 1 < argc) {
      args.python_path.push_back(argv[++i]);
    } else if (flag == "--help" || flag == "-h") {
      args.help = true;
    } else if ((flag == "--plugins" || flag == "--plugin") && i + 1 < argc) {
      (flag == "--plugins" ? args.plugins : args.plugin) = argv[++i];
    } else if (flag == "--lifeline" && i + 1 < argc) {
      absl::StatusOr<int> fd = ParseLifelineFd(flag, argv[++i]);
      if (!fd.ok()) {
        std::fprintf(stderr, "parlab-runner: %s\n", std::string(fd.status().message()).c_str());
        return false;
      }
      args.lifeline_fd = *fd;
    } else if (flag == "--max-memory-mib" && i + 1 < argc) {
      if (!ParseCount(argv[i], argv[i + 1], args.limits.max_memory_mib)) return false;
      ++i;
    } else if (flag == "--allow-http" && i + 1 < argc) {
      absl::StatusOr<workloads::HttpAllowList> allow = workloads::HttpAllowList::Parse(argv[++i]);
      if (!allow.ok()) {
        std::fprintf(stderr, "parlab-runner: --allow-http: %s\n",
                     std::string(allow.status().message()).c_str());
        return false;
      }
      args.allow_http = *std::move(allow);
    } else if (flag == "--max-processes" && i + 1 < argc) {
      if (!ParseCount(argv[i], argv[i + 1], args.limits.max_processes)) return false;
      ++i;
    } else if (flag == "--max-open-files" && i + 1 < argc) {
      if (!ParseCount(argv[i], argv[i + 1], args.limits.max_open_files)) return false;
      ++i;
    } else {
      std::fprintf(stderr, "parlab-runner: unexpected argument \"%s\"\n", argv[i]);
      return false;
    }
  }
  if (args.help) return true;
  if (int{args.describe} + int{args.job} + int{args.validate} + int{args.check} != 1) {
    return false;  // one mode
  }
  if (args.check) return args.plugins.empty() && args.plugin.empty();
  if (args.describe) return !args.plugins.empty() && args.plugin.empty();
  return !args.plugin.empty() && args.plugins.empty();
}

// Frames get a private copy of stdout; fd 1 then points at stderr, so that a plugin that
// printf()s cannot corrupt the frame stream. CLOEXEC: nothing a model execs inherits it.
int TakeFrameFd() {
  const int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::perror("parlab-runner: cannot set up the frame fd");
    return -1;
  }
  return fd;
}

EventSink FrameSink(int fd) {
  return [fd](const v1::RunnerEvent& event) {
    if (absl::Status written = WriteFrame(fd, event); !written.ok()) {
      std::fprintf(stderr, "parlab-runner: %s\n", std::string(written.message()).c_str());
    }
  };
}

int Describe(const std::string& plugin_dirs, const EventSink& sink) {
  std::vector<std::string> dirs = absl::StrSplit(plugin_dirs, ':', absl::SkipEmpty());
  v1::RunnerEvent event;
  *event.mutable_description() = DescribePlugins(dirs);
  sink(event);
  return 0;
}

// The lifeline and the job limits, before anything the plan names is loaded or imported (a
// model plugin, a python module whose top level runs), so that nothing it does escapes them.
absl::Status ConfineThisRunner(const Args& args, int frame_fd) {
  if (args.lifeline_fd >= 0) {
    // The worker holds the other end: when it dies (even by SIGKILL) this runner's whole
    // process group, the runner and everything it forked, goes with it.
    WatchLifeline(args.lifeline_fd, [] { ::kill(0, SIGKILL); });
  }
  if (absl::Status limited = ApplyJobLimits(args.limits); !limited.ok()) return limited;
  ReportOutOfMemoryAs(frame_fd, args.limits);
  return absl::OkStatus();
}

// `sink`, with the process limit named in an error that it may explain (ProcessLimitNote).
EventSink NotingProcessLimit(const EventSink& sink) {
  return [sink](const v1::RunnerEvent& event) {
    const std::string note =
        event.event_case() == v1::RunnerEvent::kError ? ProcessLimitNote(event.error()) : "";
    if (note.empty()) return sink(event);
    v1::RunnerEvent noted = event;
    noted.set_error(event.error() + note);
    sink(noted);
  };
}

// Reads a Job frame and checks its workload the way a job would build it, importing what it
// names (python): the coordinator's check before any job runs (CheckWorkloadOnWorker). The
// import runs the module's top level, user code: confined as a job is.
int CheckOneWorkload(const Args& args, int frame_fd, const EventSink& unnoted_sink) {
  if (absl::Status confined = ConfineThisRunner(args, frame_fd); !confined.ok()) {
    return static_cast<int>(ReportError(unnoted_sink, confined.message()));
  }
  const EventSink sink = NotingProcessLimit(unnoted_sink);
  v1::Job job;
  absl::StatusOr<bool> got = ReadFrame(STDIN_FILENO, &job);
  if (!got.ok() || !*got) {
    const std::string why =
        got.ok() ? "stdin ended before a Job frame" : std::string(got.status().message());
    return static_cast<int>(ReportError(sink, "runner: cannot read the job: " + why));
  }
  return static_cast<int>(CheckWorkload(job, sink));
}

int RunOneJob(const Args& args, int frame_fd, const EventSink& unnoted_sink) {
  InstallCancelHandler();
  if (absl::Status confined = ConfineThisRunner(args, frame_fd); !confined.ok()) {
    return static_cast<int>(ReportError(unnoted_sink, confined.message()));
  }
  const EventSink sink = NotingProcessLimit(unnoted_sink);
  v1::Job job;
  absl::StatusOr<bool> got = ReadFrame(STDIN_FILENO, &job);
  if (!got.ok() || !*got) {
    const std::string why =
        got.ok() ? "stdin ended before a Job frame" : std::string(got.status().message());
    return static_cast<int>(ReportError(sink, "runner: cannot read the job: " + why));
  }
  // The worker checked this before spawning us; checked again where the requests would start,
  // in case this runner was started some other way.
  if (absl::Status allowed = workloads::CheckWorkloadDestinations(job.workload(), args.allow_http);
      !allowed.ok()) {
    return static_cast<int>(ReportError(sink, allowed.message()));
  }
  absl::StatusOr<Plugin> plugin = LoadPlugin(args.plugin);
  if (!plugin.ok()) return static_cast<int>(ReportError(sink, plugin.status().message()));
  return static_cast<int>(RunJob(job, *plugin, sink));
}

int Main(int argc, char** argv) {
  Args args;
  if (!Parse(argc, argv, args)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const int frame_fd = TakeFrameFd();
  if (frame_fd < 0) return 1;
  const EventSink sink = FrameSink(frame_fd);
  workloads::SetPythonPath(args.python_path);
  if (args.check) return CheckOneWorkload(args, frame_fd, sink);
  if (args.validate) return ValidatePlugin(args.plugin, frame_fd);
  return args.describe ? Describe(args.plugins, sink) : RunOneJob(args, frame_fd, sink);
}

}  // namespace
}  // namespace parlab::runner

int main(int argc, char** argv) { return parlab::runner::Main(argc, argv); }
