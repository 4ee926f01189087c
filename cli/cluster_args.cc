#include "cluster_args.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "parlab/cluster/discovery.h"
#include "parlab/common/flags.h"
#include "parlab/common/status_macros.h"

namespace parlab::cli {

bool IsClusterFlag(const std::string& flag) {
  return flag == "--select" || flag == "--mode" || flag == "--hostfile" || flag == "--workers-dns";
}

absl::Status ParseClusterFlag(const std::string& flag, const std::string& value,
                              CliOptions& options) {
  if (flag == "--select") {
    options.select.clear();
    for (absl::string_view pair : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      const size_t eq = pair.find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--select: expected KEY=VALUE[,KEY=VALUE], got \"", value, "\""));
      }
      options.select[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
    if (options.select.empty()) {
      return absl::InvalidArgumentError("--select: expected KEY=VALUE[,KEY=VALUE], got \"\"");
    }
  } else if (flag == "--mode") {
    if (value != "broadcast" && value != "shard") {
      return absl::InvalidArgumentError(
          absl::StrCat("--mode: must be broadcast or shard, got \"", value, "\""));
    }
    options.mode = value;
  } else if (flag == "--hostfile") {
    if (value.empty()) return absl::InvalidArgumentError("--hostfile: must name a file, got \"\"");
    options.hostfile = value;
  } else if (flag == "--workers-dns") {
    PARLAB_ASSIGN_OR_RETURN(options.workers_dns, flags::HostPort(flag, value, 1, "NAME:PORT"));
  }
  return absl::OkStatus();
}

void ApplyClusterFlags(const CliOptions& options, v1::Plan& plan) {
  if (!options.select.empty()) {
    plan.mutable_select()->clear();
    plan.mutable_select()->insert(options.select.begin(), options.select.end());
  }
  if (options.mode == "broadcast") plan.set_mode(v1::RUN_MODE_BROADCAST);
  if (options.mode == "shard") plan.set_mode(v1::RUN_MODE_SHARD);
}

absl::StatusOr<std::vector<std::string>> ResolveWorkers(const CliOptions& options) {
  std::vector<std::string> workers = options.workers;
  auto add = [&workers](const std::vector<std::string>& more) {
    for (const std::string& address : more) {
      if (std::find(workers.begin(), workers.end(), address) == workers.end()) {
        workers.push_back(address);
      }
    }
  };
  if (!options.hostfile.empty()) {
    PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> hosts,
                            cluster::ReadHostfile(options.hostfile));
    add(hosts);
  }
  if (!options.workers_dns.empty()) {
    PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> resolved,
                            cluster::ResolveWorkersDns(options.workers_dns));
    add(resolved);
  }
  return workers;
}

}  // namespace parlab::cli
