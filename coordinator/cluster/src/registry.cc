#include "parlab/cluster/registry.h"

#include <algorithm>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/cluster/discovery.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/cluster/worker_lock.h"
#include "parlab/common/log.h"
#include "parlab/common/status_macros.h"
#include "parlab/security/net_security.h"

namespace parlab::cluster {
namespace {

int64_t UnixMs(absl::Time time) {
  return time == absl::InfinitePast() ? 0 : absl::ToUnixMillis(time);
}

}  // namespace

absl::Duration WorkerRegistry::ExpireAfter() const {
  if (options_.expire_after > absl::ZeroDuration()) return options_.expire_after;
  return std::max(absl::Seconds(60), options_.heartbeat_timeout * 12);
}

void WorkerRegistry::PruneLocked(absl::Time now) {
  const absl::Duration expire = ExpireAfter();
  for (auto it = registered_.begin(); it != registered_.end();) {
    if (now - it->second.last_seen > expire) {
      log::Event(
          "worker_expired",
          {{"worker", it->first}, {"silent_s", absl::ToInt64Seconds(now - it->second.last_seen)}});
      it = registered_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::StatusOr<std::string> WorkerRegistry::Register(const v1::WorkerDescription& description,
                                                     const std::string& identity) {
  if (description.address().empty()) {
    return absl::InvalidArgumentError("description.address: must be set (HOST:PORT)");
  }
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mutex_);
  PruneLocked(now);
  auto existing = registered_.find(description.address());
  if (existing == registered_.end() && registered_.size() >= options_.max_registered) {
    return absl::ResourceExhaustedError(
        absl::StrCat("registry full: ", registered_.size(), " workers registered, the limit is ",
                     options_.max_registered, "; entries silent for ", FormatSeconds(ExpireAfter()),
                     " are removed"));
  }
  if (existing != registered_.end() && existing->second.identity != identity &&
      now - existing->second.last_seen <= options_.heartbeat_timeout) {
    return absl::PermissionDeniedError(absl::StrCat(
        "description.address ", description.address(), ": registered by ",
        existing->second.identity.empty() ? "another caller" : existing->second.identity,
        ", which is alive; one address, one registrant"));
  }
  Registered& entry = registered_[description.address()];
  const bool known = !entry.description.address().empty();
  if (!known) entry.order = next_order_++;
  entry.description = description;
  entry.last_seen = now;
  entry.busy = false;
  entry.secret = security::RandomSecret();
  entry.identity = identity;
  log::Event(known ? "worker_reregistered" : "worker_registered",
             {{"worker", description.address()},
              {"host", description.machine().hostname()},
              {"models", description.models_size()},
              {"identity", identity.empty() ? "anonymous" : identity}});
  return entry.secret;
}

SecretCheck WorkerRegistry::CheckSecretLocked(const std::string& address,
                                              const std::string& secret) {
  auto it = registered_.find(address);
  if (it == registered_.end()) return SecretCheck::kUnknown;
  return security::ConstantTimeEquals(it->second.secret, secret) ? SecretCheck::kOk
                                                                 : SecretCheck::kWrongSecret;
}

SecretCheck WorkerRegistry::Heartbeat(const std::string& address, const std::string& secret,
                                      bool busy) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mutex_);
  PruneLocked(now);
  const SecretCheck check = CheckSecretLocked(address, secret);
  if (check == SecretCheck::kOk) {
    Registered& entry = registered_.at(address);
    if (entry.lost_logged) {
      log::Event("worker_back",
                 {{"worker", address}, {"silent_s", absl::ToInt64Seconds(now - entry.last_seen)}});
      entry.lost_logged = false;
    }
    entry.last_seen = now;
    entry.busy = busy;
  }
  return check;
}

SecretCheck WorkerRegistry::Deregister(const std::string& address, const std::string& secret) {
  absl::MutexLock lock(&mutex_);
  PruneLocked(absl::Now());
  const SecretCheck check = CheckSecretLocked(address, secret);
  if (check == SecretCheck::kOk) {
    auto it = registered_.find(address);
    log::Event("worker_deregistered",
               {{"worker", address},
                {"identity", it->second.identity.empty() ? "anonymous" : it->second.identity}});
    registered_.erase(it);
  }
  return check;
}

WorkerRegistry::~WorkerRegistry() {
  {
    absl::MutexLock lock(&watch_mutex_);
    stop_watch_ = true;
  }
  if (watch_.joinable()) watch_.join();
}

int WorkerRegistry::SweepLost() {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mutex_);
  PruneLocked(now);
  int lost = 0;
  for (auto& [address, entry] : registered_) {
    const absl::Duration silent = now - entry.last_seen;
    if (entry.lost_logged || silent <= options_.heartbeat_timeout) continue;
    entry.lost_logged = true;
    ++lost;
    const bool busy = entry.busy || WorkerLocks::Global().Busy(address);
    log::Event(
        "worker_lost",
        {{"worker", address},
         {"state", busy ? kStateBusy : kStateIdle},
         {"reason", absl::StrCat("no heartbeat for ",
                                 FormatSeconds(absl::Trunc(silent, absl::Milliseconds(100))))}});
  }
  return lost;
}

void WorkerRegistry::StartLossWatch() {
  if (watch_.joinable()) return;
  watch_ = std::thread([this] {
    while (true) {
      {
        absl::MutexLock lock(&watch_mutex_);
        if (watch_mutex_.AwaitWithTimeout(absl::Condition(&stop_watch_),
                                          options_.heartbeat_interval)) {
          return;
        }
      }
      SweepLost();
    }
  });
}

bool WorkerRegistry::IsKnown(const std::string& address) {
  {
    absl::MutexLock lock(&mutex_);
    PruneLocked(absl::Now());
    if (registered_.count(address) > 0) return true;
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> listed = ListedAddresses();
  if (!listed.ok()) return false;
  for (const auto& entry : *listed) {
    if (entry.first == address) return true;
  }
  return false;
}

std::string WorkerRegistry::IdentityOf(const std::string& address) {
  absl::MutexLock lock(&mutex_);
  auto it = registered_.find(address);
  return it == registered_.end() ? "" : it->second.identity;
}

bool WorkerRegistry::HasAnySource() {
  if (!options_.workers.empty() || !options_.hostfile.empty() || !options_.workers_dns.empty()) {
    return true;
  }
  absl::MutexLock lock(&mutex_);
  return !registered_.empty();
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> WorkerRegistry::ListedAddresses() {
  std::vector<std::pair<std::string, std::string>> listed;
  for (const std::string& address : options_.workers) listed.emplace_back(address, "list");
  if (!options_.hostfile.empty()) {
    PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> hosts, ReadHostfile(options_.hostfile));
    for (std::string& address : hosts) listed.emplace_back(std::move(address), "hostfile");
  }
  if (!options_.workers_dns.empty()) {
    PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> resolved,
                            ResolveWorkersDns(options_.workers_dns));
    for (std::string& address : resolved) listed.emplace_back(std::move(address), "dns");
  }
  return listed;
}

absl::StatusOr<std::vector<v1::WorkerStatus>> WorkerRegistry::Statuses() {
  PARLAB_ASSIGN_OR_RETURN(auto listed, ListedAddresses());
  const absl::Time now = absl::Now();
  std::vector<v1::WorkerStatus> statuses;
  std::set<std::string> seen;
  {
    absl::MutexLock lock(&mutex_);
    PruneLocked(now);
    std::vector<const Registered*> in_order;
    for (const auto& [address, entry] : registered_) in_order.push_back(&entry);
    std::sort(in_order.begin(), in_order.end(),
              [](const Registered* a, const Registered* b) { return a->order < b->order; });
    for (const Registered* entry : in_order) {
      v1::WorkerStatus status;
      *status.mutable_description() = entry->description;
      status.set_source("registered");
      status.set_last_seen_unix_ms(UnixMs(entry->last_seen));
      const absl::Duration silent = now - entry->last_seen;
      if (silent > options_.heartbeat_timeout) {
        status.set_state(kStateLost);
        status.set_lost_reason(absl::StrCat(
            "no heartbeat for ", FormatSeconds(absl::Trunc(silent, absl::Milliseconds(100)))));
      } else {
        const bool busy = entry->busy || WorkerLocks::Global().Busy(entry->description.address());
        status.set_state(busy ? kStateBusy : kStateIdle);
      }
      seen.insert(entry->description.address());
      statuses.push_back(std::move(status));
    }
  }

  // Health checks of the listed workers, all at once: N dead ones cost one timeout.
  std::vector<std::pair<std::string, std::string>> to_check;
  for (auto& entry : listed) {
    if (seen.insert(entry.first).second) to_check.push_back(std::move(entry));
  }
  std::vector<absl::StatusOr<ConnectedWorker>> checked;
  for (size_t i = 0; i < to_check.size(); ++i) checked.emplace_back(absl::UnknownError(""));
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < to_check.size(); ++i) {
      threads.emplace_back([&, i] {
        checked[i] = ConnectWorker(to_check[i].first, options_.heartbeat_timeout, nullptr);
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  absl::MutexLock lock(&mutex_);
  for (size_t i = 0; i < to_check.size(); ++i) {
    const std::string& address = to_check[i].first;
    v1::WorkerStatus status;
    status.set_source(to_check[i].second);
    if (checked[i].ok()) {
      *status.mutable_description() = checked[i]->description;
      listed_last_seen_[address] = absl::Now();
      status.set_state(WorkerLocks::Global().Busy(address) ? kStateBusy : kStateIdle);
    } else {
      status.mutable_description()->set_address(address);
      status.set_state(kStateLost);
      status.set_lost_reason(std::string(checked[i].status().message()));
    }
    auto last = listed_last_seen_.find(address);
    status.set_last_seen_unix_ms(last == listed_last_seen_.end() ? 0 : UnixMs(last->second));
    statuses.push_back(std::move(status));
  }
  return statuses;
}

absl::StatusOr<std::vector<std::string>> WorkerRegistry::RunnableAddresses(
    std::vector<std::string>* lost) {
  PARLAB_ASSIGN_OR_RETURN(std::vector<v1::WorkerStatus> statuses, Statuses());
  std::vector<std::string> addresses;
  for (const v1::WorkerStatus& status : statuses) {
    if (status.state() != kStateLost) {
      addresses.push_back(status.description().address());
    } else if (lost != nullptr) {
      lost->push_back(
          absl::StrCat(status.description().address(), " (", status.lost_reason(), ")"));
    }
  }
  return addresses;
}

}  // namespace parlab::cluster
