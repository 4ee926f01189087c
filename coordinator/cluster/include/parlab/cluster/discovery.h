// Finding workers: a hostfile (one HOST:PORT per line, `#` comments), a DNS name that resolves
// to many addresses (a Kubernetes headless Service: every A/AAAA record is one worker), and
// label selection (Plan.select against WorkerDescription.labels).
//
//   PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> a, ReadHostfile("/etc/parlab/hosts"));
//   PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> b, ResolveWorkersDns("parlab-workers:7471"));
//   if (MatchesSelect(worker.labels(), plan.select())) ...
#ifndef PARLAB_CLUSTER_DISCOVERY_H_
#define PARLAB_CLUSTER_DISCOVERY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cluster {

// Parses hostfile text; `name` (the path) appears in errors: `hosts.txt:3: expected
// HOST:PORT, got "node7"`. Blank lines and `#` comments (whole-line or trailing) are skipped;
// duplicates are dropped, the first one kept.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseHostfile(absl::string_view text,
                                                                     absl::string_view name);
// Reads and parses the file; re-read at every run, so edits take effect without a restart.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ReadHostfile(const std::string& path);

// "NAME:PORT" -> "ADDR:PORT" for every address getaddrinfo gives (IPv6 as "[ADDR]:PORT"),
// sorted, without duplicates. Errors: `--workers-dns: cannot resolve "x": Name or service not
// known`.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ResolveWorkersDns(
    const std::string& name_port);

// Every key=value of `select` is among `labels`.
bool MatchesSelect(const google::protobuf::Map<std::string, std::string>& labels,
                   const google::protobuf::Map<std::string, std::string>& select);

// "gen=zen3,rack=a" (sorted by key); "" for none.
std::string FormatLabels(const google::protobuf::Map<std::string, std::string>& labels);

// Keeps the workers that match plan.select (all when it is empty). None left is an error that
// lists what was seen: `plan.select: no worker has rack=b (labels seen: 127.0.0.1:4511 {rack=a},
// 127.0.0.1:4512 {})`.
[[nodiscard]] absl::StatusOr<std::vector<size_t>> SelectWorkers(
    const google::protobuf::Map<std::string, std::string>& select,
    const std::vector<v1::WorkerDescription>& workers);

// SelectWorkers on connected workers: keeps the matching ones, in order.
[[nodiscard]] absl::Status KeepSelected(
    const google::protobuf::Map<std::string, std::string>& select,
    std::vector<ConnectedWorker>& workers);

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_DISCOVERY_H_
