#include "parlab/cluster/worker_client.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "parlab/common/grpc_status.h"
#include "parlab/security/net_security.h"
namespace parlab::cluster {
namespace {

// How long a channel may keep failing to connect before the address is called refused.
constexpr absl::Duration kRefusedGrace = absl::Milliseconds(500);

// How long one connection attempt (TCP connect, TLS handshake, HTTP/2 settings) may take before
// gRPC abandons it. gRPC names this GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, but it is the minimum
// *connect timeout* of an attempt (subchannel.cc: deadline = max(next backoff, now + it)), not a
// backoff: at 100 ms, every handshake slower than ~0.1-0.3 s was cut off, the channel went to
// TRANSIENT_FAILURE and the address was called refused although the worker was alive (256 TLS
// workers on 2 cores). gRPC's own default; the caller's timeout bounds the wait anyway.
constexpr int kAttemptTimeoutMs = 20000;

// At most this many channels are kept; past it, new ones are not cached (a coordinator with
// thousands of workers still works, paying a handshake per run for the rest).
constexpr size_t kMaxCachedChannels = 4096;

// One channel per (address, client identity) for the life of the process: a coordinator pays a
// worker's TCP and TLS handshakes once, not once per run or per `workers` listing. A channel
// that failed is dropped so that the next attempt starts afresh.
class ChannelCache {
 public:
  std::atomic<bool> enabled{false};

  static ChannelCache& Global() {
    static ChannelCache* cache = new ChannelCache();
    return *cache;
  }

  std::shared_ptr<grpc::Channel> Find(const std::string& key) {
    if (!enabled.load()) return nullptr;
    absl::MutexLock lock(&mutex_);
    auto it = channels_.find(key);
    if (it == channels_.end()) return nullptr;
    const grpc_connectivity_state state = it->second->GetState(/*try_to_connect=*/false);
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      channels_.erase(it);
      return nullptr;
    }
    return it->second;
  }
  void Put(const std::string& key, std::shared_ptr<grpc::Channel> channel) {
    if (!enabled.load()) return;
    absl::MutexLock lock(&mutex_);
    if (channels_.size() >= kMaxCachedChannels && !channels_.contains(key)) return;
    channels_[key] = std::move(channel);
  }
  // Drops `channel` if it is the one cached under `key` (not a newer one another thread put).
  void Drop(const std::string& key, const grpc::Channel* channel) {
    absl::MutexLock lock(&mutex_);
    auto it = channels_.find(key);
    if (it != channels_.end() && it->second.get() == channel) channels_.erase(it);
  }
  void Clear() {
    absl::MutexLock lock(&mutex_);
    channels_.clear();
  }

 private:
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<grpc::Channel>> channels_
      ABSL_GUARDED_BY(mutex_);
};

// The process's client identity is set once and kept (SetProcessClientSecurity never frees an
// old one), so its address names the credentials a channel was made with.
std::string CacheKey(const std::string& address) {
  return absl::StrCat(address, "|",
                      reinterpret_cast<uintptr_t>(&security::ProcessClientSecurity()));
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // Short reconnect backoff: a daemon that is still starting up (refused) is picked up quickly.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kAttemptTimeoutMs);
  args.SetMaxReceiveMessageSize(64 << 20);
  // A kept channel stays connected between runs: gRPC would otherwise drop a connection idle
  // for 30 minutes, and a lab's next run would pay every worker's handshake again.
  if (ChannelCache::Global().enabled.load()) {
    args.SetInt(GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS, std::numeric_limits<int>::max());
  }
  return security::CreateChannel(address, args);
}

// The kept channel to `address`, made (not yet connected) when there is none; `kept` (may be
// null): whether it was a kept one.
std::shared_ptr<grpc::Channel> KeptOrNewChannel(const std::string& key, const std::string& address,
                                                bool* kept) {
  std::shared_ptr<grpc::Channel> channel = ChannelCache::Global().Find(key);
  if (kept != nullptr) *kept = channel != nullptr;
  if (channel == nullptr) {
    channel = NewChannel(address);
    ChannelCache::Global().Put(key, channel);
  }
  return channel;
}

}  // namespace

std::string FormatSeconds(absl::Duration duration) {
  return absl::StrCat(absl::ToDoubleSeconds(duration), " s");
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(absl::string_view role,
                                                              const std::string& address,
                                                              absl::Duration timeout,
                                                              const RunCanceller* canceller) {
  return ConnectChannel(role, address, timeout, canceller, nullptr);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(absl::string_view role,
                                                              const std::string& address,
                                                              absl::Duration timeout,
                                                              const RunCanceller* canceller,
                                                              bool* reused) {
  if (address.empty()) return absl::InvalidArgumentError(absl::StrCat(role, " address is empty"));
  const std::string key = CacheKey(address);
  std::shared_ptr<grpc::Channel> channel = KeptOrNewChannel(key, address, reused);
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  absl::Status failure;
  // Wait in slices so that a cancellation (Ctrl-C) is noticed within a tenth of a second.
  while (true) {
    if (canceller != nullptr && canceller->cancelled()) {
      failure =
          absl::CancelledError(absl::StrCat(role, " ", address, ": cancelled while connecting"));
      break;
    }
    absl::Time slice_end = std::min(deadline, absl::Now() + absl::Milliseconds(100));
    if (channel->WaitForConnected(absl::ToChronoTime(slice_end))) return channel;
    if (absl::Now() >= deadline) break;
    // A refused connection (nothing listens there, an unknown host) or a failed TLS handshake
    // puts the channel into TRANSIENT_FAILURE at once; a slow handshake and silence (a dropped
    // SYN) keep it CONNECTING, since an attempt may take kAttemptTimeoutMs. Half a second of
    // failures — several reconnect attempts at the 100 ms backoff — lets a daemon that is still
    // binding its port be picked up, and a typo fail without the whole timeout.
    if (absl::Now() - start >= kRefusedGrace &&
        channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
      // A failed TLS handshake looks the same from here: say so when TLS is on, and that a
      // TLS daemon needs --tls-ca when it is off.
      failure = absl::UnavailableError(absl::StrCat(
          role, " ", address, ": unreachable (connection refused: is a daemon listening there?",
          security::ProcessClientSecurity().ca_pem.empty()
              ? " A daemon that serves TLS needs --tls-ca.)"
              : " Or the TLS handshake failed: its certificate must come from the --tls-ca CA "
                "and name this address, and a daemon with --tls-client-auth needs "
                "--tls-cert/--tls-key.)"));
      break;
    }
  }
  if (failure.ok()) {
    failure = absl::UnavailableError(absl::StrCat(
        role, " ", address, ": unreachable (no connection within ", FormatSeconds(timeout), ")"));
  }
  ChannelCache::Global().Drop(key, channel.get());
  return failure;
}

void ForgetChannel(const std::string& address, const grpc::Channel* channel) {
  ChannelCache::Global().Drop(CacheKey(address), channel);
}

void WarmChannel(const std::string& address) {
  if (!ChannelCache::Global().enabled.load() || address.empty()) return;
  // Starts the TCP connect and the TLS handshake in gRPC's own threads and returns at once.
  KeptOrNewChannel(CacheKey(address), address, nullptr)->GetState(/*try_to_connect=*/true);
}

void KeepChannels(bool keep) {
  ChannelCache::Global().enabled = keep;
  if (!keep) ChannelCache::Global().Clear();
}

absl::StatusOr<ConnectedWorker> ConnectWorker(const std::string& address, absl::Duration timeout,
                                              const RunCanceller* canceller) {
  // A cached channel may not know yet that its worker went away (restarted, or gone): its
  // Describe fails UNAVAILABLE. Then the channel is dropped and one fresh connection tried.
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        ConnectChannel("worker", address, timeout, canceller, &reused);
    if (!channel.ok()) return channel.status();
    ConnectedWorker worker;
    worker.address = address;
    worker.channel = *std::move(channel);
    worker.stub = v1::WorkerService::NewStub(worker.channel);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    grpc::Status status =
        worker.stub->Describe(&context, v1::DescribeRequest(), &worker.description);
    if (!status.ok()) {
      ForgetChannel(address, worker.channel.get());
      if (reused && attempt == 0 && status.error_code() == grpc::StatusCode::UNAVAILABLE) continue;
      return absl::Status(
          FromGrpcStatus(status).code(),
          absl::StrCat("worker ", address, ": Describe failed: ", status.error_message()));
    }
    worker.description.set_address(address);
    // Who answered, as TLS proved it; whatever the worker put there itself is not evidence.
    worker.description.set_identity(security::PeerIdentity(context.auth_context()));
    return worker;
  }
}

absl::StatusOr<std::vector<ConnectedWorker>> ConnectWorkers(
    const std::vector<std::string>& addresses, absl::Duration timeout,
    const RunCanceller* canceller) {
  std::vector<absl::StatusOr<ConnectedWorker>> connected;
  for (size_t i = 0; i < addresses.size(); ++i) connected.emplace_back(absl::UnknownError(""));
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < addresses.size(); ++i) {
      threads.emplace_back(
          [&, i] { connected[i] = ConnectWorker(addresses[i], timeout, canceller); });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::vector<ConnectedWorker> workers;
  for (absl::StatusOr<ConnectedWorker>& worker : connected) {
    if (!worker.ok()) return worker.status();
    workers.push_back(*std::move(worker));
  }
  return workers;
}

absl::StatusOr<std::vector<v1::WorkerDescription>> DescribeWorkers(
    const std::vector<std::string>& addresses, absl::Duration timeout) {
  absl::StatusOr<std::vector<ConnectedWorker>> workers =
      ConnectWorkers(addresses, timeout, nullptr);
  if (!workers.ok()) return workers.status();
  std::vector<v1::WorkerDescription> descriptions;
  for (ConnectedWorker& worker : *workers) descriptions.push_back(std::move(worker.description));
  return descriptions;
}

v1::JobResult ResultShell(const v1::Job& job, const ConnectedWorker& worker) {
  v1::JobResult result;
  result.set_job_id(job.job_id());
  result.set_model(job.model());
  result.set_concurrency(job.concurrency());
  result.set_sweep_value(job.sweep_value());
  result.set_machine(worker.description.machine().hostname());
  result.set_worker_address(worker.address);
  result.set_worker_identity(worker.description.identity());
  result.set_shard_index(job.shard_index());
  result.set_shard_count(job.shard_count());
  return result;
}

}  // namespace parlab::cluster
