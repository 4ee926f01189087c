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
//   PARLAB_ASSIGN_OR_RETURN(std::string secret, registry.Register(description, "token:node1"));
//   SecretCheck beat = registry.Heartbeat("10.0.0.6:7471", secret, true);  // Heartbeat RPC
//   registry.Deregister("10.0.0.6:7471", secret);  // DeregisterWorker RPC: the worker stopped
// A registration expires (and is removed) after `expire_after` without a heartbeat; at most
// `max_registered` are kept.
//   PARLAB_ASSIGN_OR_RETURN(std::vector<v1::WorkerStatus> all, registry.Statuses());
#ifndef PARLAB_CLUSTER_REGISTRY_H_
#define PARLAB_CLUSTER_REGISTRY_H_

#include <map>
#include <string>
#include <thread>
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
  // A registration silent this long is removed (lost long before, at heartbeat_timeout);
  // zero: 12 x heartbeat_timeout, at least 60 s.
  absl::Duration expire_after = absl::ZeroDuration();
  // Registrations kept at most: a flood of fake ones cannot grow the registry without bound.
  size_t max_registered = 1024;
};

// What a call bound to a registration (Heartbeat, Deregister) found.
enum class SecretCheck {
  kOk,
  kUnknown,      // no such registration (expired, or the coordinator restarted): register again
  kWrongSecret,  // not the secret of that registration: someone else's call
};

// WorkerStatus.state values.
inline constexpr char kStateIdle[] = "idle";
inline constexpr char kStateBusy[] = "busy";
inline constexpr char kStateLost[] = "lost";

class WorkerRegistry {
 public:
  explicit WorkerRegistry(RegistryOptions options) : options_(std::move(options)) {}
  // Stops the loss watch, if it runs.
  ~WorkerRegistry();
  WorkerRegistry(const WorkerRegistry&) = delete;
  WorkerRegistry& operator=(const WorkerRegistry&) = delete;

  const RegistryOptions& options() const { return options_; }

  // [thread-safe] A worker announced itself (again); returns the registration's heartbeat
  // secret (a new one each time). `identity` is who registered ("token:node1", "cert:...", or
  // "" on an open coordinator). Errors: no address (InvalidArgument); the registry is full
  // (ResourceExhausted); the address is held by a live registration of another identity
  // (PermissionDenied).
  [[nodiscard]] absl::StatusOr<std::string> Register(const v1::WorkerDescription& description,
                                                     const std::string& identity = "");
  // [thread-safe] A heartbeat for `address` carrying `secret`.
  SecretCheck Heartbeat(const std::string& address, const std::string& secret, bool busy);
  // [thread-safe] The worker at `address` stopped cleanly: its registration is removed (kOk)
  // when `secret` is its registration's; a wrong secret leaves it as it is.
  SecretCheck Deregister(const std::string& address, const std::string& secret);
  // [thread-safe] Whether `address` is a worker this coordinator knows: registered, or in its
  // list, hostfile or DNS name.
  bool IsKnown(const std::string& address);
  // [thread-safe] The identity that registered `address` ("" when unknown or anonymous).
  std::string IdentityOf(const std::string& address);

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

  // [thread-safe] Logs `worker_lost` (worker, state, reason) once for each registered worker
  // whose heartbeats stopped for heartbeat_timeout, whether or not a run uses it, and
  // `worker_back` (worker, silent_s) when a lost one heartbeats again. Returns how many were
  // newly lost. Listed workers (--workers, hostfile, DNS) are judged only when asked
  // (Statuses) and are not swept.
  int SweepLost();
  // Calls SweepLost every heartbeat_interval on a thread of its own until destruction, so a
  // worker lost while idle is logged within heartbeat_timeout + heartbeat_interval.
  void StartLossWatch();

 private:
  struct Registered {
    v1::WorkerDescription description;
    absl::Time last_seen;
    bool busy = false;
    int64_t order = 0;
    std::string secret;        // RegisterWorkerResponse.heartbeat_secret
    std::string identity;      // who registered it
    bool lost_logged = false;  // SweepLost said worker_lost; cleared by a heartbeat
  };
  // Whether `address` is registered and `secret` is its registration's.
  SecretCheck CheckSecretLocked(const std::string& address, const std::string& secret)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Removes registrations silent for longer than expire_after.
  void PruneLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  absl::Duration ExpireAfter() const;
  // The listed addresses with their source: list, hostfile, dns.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ListedAddresses();

  const RegistryOptions options_;
  absl::Mutex mutex_;
  std::map<std::string, Registered> registered_ ABSL_GUARDED_BY(mutex_);
  int64_t next_order_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<std::string, absl::Time> listed_last_seen_ ABSL_GUARDED_BY(mutex_);
  absl::Mutex watch_mutex_;
  bool stop_watch_ ABSL_GUARDED_BY(watch_mutex_) = false;
  std::thread watch_;
};

}  // namespace parlab::cluster

#endif  // PARLAB_CLUSTER_REGISTRY_H_
