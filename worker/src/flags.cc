#include "parlab/worker/flags.h"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "parlab/common/flags.h"
#include "parlab/common/status_macros.h"

namespace parlab {
namespace {

const std::vector<flags::Flag> kWorkerFlags = {
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
};

absl::Status Apply(const std::string& flag, const std::string& value, WorkerOptions& options) {
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
  if (!parsed.positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", parsed.positional[0], "\""));
  }
  for (const auto& [flag, value] : parsed.values) {
    PARLAB_RETURN_IF_ERROR(Apply(flag, value, options));
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
