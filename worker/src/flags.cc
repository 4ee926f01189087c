#include "parlab/worker/flags.h"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace parlab {
namespace {

absl::Status CheckHostPort(const std::string& flag, const std::string& value, int min_port) {
  const size_t colon = value.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(value).substr(colon + 1), &port) || port < min_port ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": expected HOST:PORT with PORT in ",
                                                   min_port, "..65535, got \"", value, "\""));
  }
  return absl::OkStatus();
}

absl::Status AddLabel(const std::string& value, std::map<std::string, std::string>& labels) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--label: expected KEY=VALUE, got \"", value, "\""));
  }
  labels[value.substr(0, eq)] = value.substr(eq + 1);
  return absl::OkStatus();
}

absl::Status SetInterval(const std::string& value, absl::Duration& interval) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) || seconds > 3600) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--heartbeat-interval: expected seconds in (0, 3600], got \"", value, "\""));
  }
  interval = absl::Seconds(seconds);
  return absl::OkStatus();
}

bool IsKnownFlag(const std::string& flag) {
  for (const char* known : {"--listen", "--plugins", "--runner", "--coordinator", "--advertise",
                            "--label", "--heartbeat-interval"}) {
    if (flag == known) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<WorkerOptions> ParseWorkerFlags(const std::vector<std::string>& args,
                                               const std::string& exe_dir) {
  WorkerOptions options;
  options.plugin_dirs = {
      (std::filesystem::path(exe_dir) / "../lib/parlab/plugins").lexically_normal().string()};
  options.runner_path = exe_dir + "/parlab-runner";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") return absl::CancelledError("help requested");
    std::string flag = arg;
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    if (!IsKnownFlag(flag)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown argument \"", arg, "\""));
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat(flag, ": needs a value"));
      }
      value = args[++i];
    }
    if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(flag, ": must not be empty"));
    if (flag == "--listen") {
      if (absl::Status st = CheckHostPort(flag, value, 0); !st.ok()) return st;
      options.listen = value;
    } else if (flag == "--coordinator" || flag == "--advertise") {
      if (absl::Status st = CheckHostPort(flag, value, 1); !st.ok()) return st;
      (flag == "--coordinator" ? options.coordinator : options.advertise) = value;
    } else if (flag == "--label") {
      if (absl::Status st = AddLabel(value, options.labels); !st.ok()) return st;
    } else if (flag == "--heartbeat-interval") {
      if (absl::Status st = SetInterval(value, options.heartbeat_interval); !st.ok()) return st;
    } else if (flag == "--plugins") {
      options.plugin_dirs = absl::StrSplit(value, ':', absl::SkipEmpty());
      if (options.plugin_dirs.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--plugins: expected DIR[:DIR...], got \"", value, "\""));
      }
    } else if (flag == "--runner") {
      options.runner_path = value;
    }
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
