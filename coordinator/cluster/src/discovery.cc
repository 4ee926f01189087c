#include "parlab/cluster/discovery.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "parlab/common/flags.h"
#include "parlab/common/status_macros.h"
namespace parlab::cluster {
namespace {

bool IsHostPort(absl::string_view value) {
  const size_t colon = value.rfind(':');
  int port = 0;
  return colon != absl::string_view::npos && colon > 0 &&
         absl::SimpleAtoi(value.substr(colon + 1), &port) && port > 0 && port <= 65535;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseHostfile(absl::string_view text,
                                                       absl::string_view name) {
  std::vector<std::string> addresses;
  std::set<std::string> seen;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (!IsHostPort(line) || line.find_first_of(" \t") != absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", line_number, ": expected HOST:PORT with PORT in 1..65535, got \"",
                       line, "\""));
    }
    if (seen.insert(std::string(line)).second) addresses.emplace_back(line);
  }
  return addresses;
}

absl::StatusOr<std::vector<std::string>> ReadHostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--hostfile: cannot read \"", path, "\""));
  std::stringstream text;
  text << in.rdbuf();
  return ParseHostfile(text.str(), path);
}

absl::StatusOr<std::vector<std::string>> ResolveWorkersDns(const std::string& name_port) {
  const size_t colon = name_port.rfind(':');
  PARLAB_RETURN_IF_ERROR(flags::HostPort("--workers-dns", name_port, 1, "NAME:PORT").status());
  const std::string name = name_port.substr(0, colon);
  const std::string port = name_port.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(name.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("--workers-dns: cannot resolve \"", name, "\": ", gai_strerror(rc)));
  }
  std::set<std::string> addresses;
  for (addrinfo* info = found; info != nullptr; info = info->ai_next) {
    char host[INET6_ADDRSTRLEN] = {};
    if (info->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(info->ai_addr)->sin_addr, host,
                sizeof(host));
      addresses.insert(absl::StrCat(host, ":", port));
    } else if (info->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(info->ai_addr)->sin6_addr, host,
                sizeof(host));
      addresses.insert(absl::StrCat("[", host, "]:", port));
    }
  }
  freeaddrinfo(found);
  if (addresses.empty()) {
    return absl::UnavailableError(
        absl::StrCat("--workers-dns: \"", name, "\" resolves to no IPv4/IPv6 address"));
  }
  return std::vector<std::string>(addresses.begin(), addresses.end());
}

bool MatchesSelect(const google::protobuf::Map<std::string, std::string>& labels,
                   const google::protobuf::Map<std::string, std::string>& select) {
  for (const auto& [key, value] : select) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

std::string FormatLabels(const google::protobuf::Map<std::string, std::string>& labels) {
  std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  return absl::StrJoin(sorted, ",", absl::PairFormatter("="));
}

absl::StatusOr<std::vector<size_t>> SelectWorkers(
    const google::protobuf::Map<std::string, std::string>& select,
    const std::vector<v1::WorkerDescription>& workers) {
  std::vector<size_t> chosen;
  for (size_t i = 0; i < workers.size(); ++i) {
    if (MatchesSelect(workers[i].labels(), select)) chosen.push_back(i);
  }
  if (!chosen.empty()) return chosen;
  std::vector<std::string> seen;
  for (const v1::WorkerDescription& worker : workers) {
    seen.push_back(absl::StrCat(worker.address(), " {", FormatLabels(worker.labels()), "}"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("plan.select: no worker has ", FormatLabels(select),
                   " (labels seen: ", absl::StrJoin(seen, ", "), ")"));
}

absl::Status KeepSelected(const google::protobuf::Map<std::string, std::string>& select,
                          std::vector<ConnectedWorker>& workers) {
  if (select.empty()) return absl::OkStatus();
  std::vector<v1::WorkerDescription> described;
  for (const ConnectedWorker& worker : workers) described.push_back(worker.description);
  absl::StatusOr<std::vector<size_t>> chosen = SelectWorkers(select, described);
  if (!chosen.ok()) return chosen.status();
  std::vector<ConnectedWorker> kept;
  for (size_t i : *chosen) kept.push_back(std::move(workers[i]));
  workers = std::move(kept);
  return absl::OkStatus();
}

}  // namespace parlab::cluster
