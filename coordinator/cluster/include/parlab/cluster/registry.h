// The coordinator's view of its workers, from four sources: the --workers list, a --hostfile
// (re-read whenever asked), a --workers-dns name (re-resolved whenever asked: a Kubernetes
// headless Service) and self-registration (parlab-worker --coordinator). Each worker is idle,
// busy or lost:
//   - registered workers: lost when no heartbeat came for heartbeat_timeout; busy when the
//     last heartbeat said so or this coordinator runs a job on it (WorkerLocks);
//   - listed workers: health-checked (connect + Describe within heartbeat_timeout) whenever
//     the statuses are asked for; lost when that fails.
//
//   WorkerRegistry registry({.workers = {"10.0.0.5:7471"}, .workers_dns = "parlab:7471"});
//   registry.Register(description);                       // RegisterWorker RPC
//   bool known = registry.Heartbeat("10.0.0.6:7471", true);  // Heartbeat RPC
//   PARLAB_ASSIGN_OR_RETURN(std::vector<v1::WorkerStatus> all, registry.Statuses());
#ifndef PARLAB_CLUSTER_REGISTRY_H_
#define PARLAB_CLUSTER_REGISTRY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::cluster {

struct RegistryOptions {
  std::vector<std::string> workers;  // --workers
  std::string hostfile;              // --hostfile FILE
  std::string workers_dns;           // --workers-dns NAME:PORT
  absl::Duration heartbeat_timeout = absl::Seconds(5);
  absl::Duration heartbeat_interval = absl::Seconds(1);  // what registering workers are told
};

// WorkerStatus.state values.
inline constexpr char kStateIdle[] = "idle";
inline constexpr char kStateBusy[] = "busy";
inline constexpr char kStateLost[] = "lost";

class WorkerRegistry {
 public:
  explicit WorkerRegistry(RegistryOptions options) : options_(std::move(options)) {}

  const RegistryOptions& options() const { return options_; }

  // [thread-safe] A worker announced itself (again). Error: no address.
  [[nodiscard]] absl::Status Register(const v1::WorkerDescription& description);
  // [thread-safe] False when `address` never registered (the coordinator restarted): the
  // worker should register again.
  bool Heartbeat(const std::string& address, bool busy);

  // [thread-safe] Every worker known now, listed ones health-checked in parallel; registered
  // ones first (in registration order), then the list, hostfile and DNS ones. Errors only
  // for a bad hostfile or an unresolvable DNS name.
  [[nodiscard]] absl::StatusOr<std::vector<v1::WorkerStatus>> Statuses();

  // [thread-safe] The addresses a run without explicit workers goes to: every worker that
  // is not lost. `lost` (may be null) gets "ADDRESS (reason)" for the ones left out.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> RunnableAddresses(
      std::vector<std::string>* lost);

  // Whether any source is configured or any worker registered.
  bool HasAnySource();

 private:
  struct Registered {
    v1::WorkerDescription description;
    absl::Time last_seen;
    bool busy = false;
    int64_t order = 0;
  };
  // The listed addresses with their source: list, hostfile, dns.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListedAddresses();

  const RegistryOptions options_;
  absl::Mutex mutex_;
  std::map<std::string, Registered> registered_ ABSL_GUARDED_BY(mutex_);
  int64_t next_order_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::string, absl::Time> listed_last_seen_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_REGISTRY_H_
