#include "parlab/cluster/worker_client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
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

}  // namespace

std::string FormatSeconds(absl::Duration duration) {
  return absl::StrCat(absl::ToDoubleSeconds(duration), " s");
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectChannel(absl::string_view role,
                                                              const std::string& address,
                                                              absl::Duration timeout,
                                                              const RunCanceller* canceller) {
  if (address.empty()) return absl::InvalidArgumentError(absl::StrCat(role, " address is empty"));
  grpc::ChannelArguments args;
  // Short reconnect backoff: a daemon that is still starting up is picked up quickly.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxReceiveMessageSize(64 << 20);
  std::shared_ptr<grpc::Channel> channel = security::CreateChannel(address, args);
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  // Wait in slices so that a cancellation (Ctrl-C) is noticed within a tenth of a second.
  while (true) {
    if (canceller != nullptr && canceller->cancelled()) {
      return absl::CancelledError(absl::StrCat(role, " ", address, ": cancelled while connecting"));
    }
    absl::Time slice_end = std::min(deadline, absl::Now() + absl::Milliseconds(100));
    if (channel->WaitForConnected(absl::ToChronoTime(slice_end))) return channel;
    if (absl::Now() >= deadline) break;
    // A refused connection (nothing listens there, an unknown host) puts the channel into
    // TRANSIENT_FAILURE at once; only silence (a dropped SYN) keeps it CONNECTING. Half a
    // second of failures — several reconnect attempts at the 100 ms backoff — lets a daemon
    // that is still binding its port be picked up, and a typo fail without the whole timeout.
    if (absl::Now() - start >= kRefusedGrace &&
        channel->GetState(/*try_to_connect=*/false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
      // A failed TLS handshake looks the same from here: say so when TLS is on, and that a
      // TLS daemon needs --tls-ca when it is off.
      return absl::UnavailableError(absl::StrCat(
          role, " ", address, ": unreachable (connection refused: is a daemon listening there?",
          security::ProcessClientSecurity().ca_pem.empty()
              ? " A daemon that serves TLS needs --tls-ca.)"
              : " Or the TLS handshake failed: its certificate must come from the --tls-ca CA "
                "and name this address, and a daemon with --tls-client-auth needs "
                "--tls-cert/--tls-key.)"));
    }
  }
  return absl::UnavailableError(absl::StrCat(
      role, " ", address, ": unreachable (no connection within ", FormatSeconds(timeout), ")"));
}

absl::StatusOr<ConnectedWorker> ConnectWorker(const std::string& address, absl::Duration timeout,
                                              const RunCanceller* canceller) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      ConnectChannel("worker", address, timeout, canceller);
  if (!channel.ok()) return channel.status();
  ConnectedWorker worker;
  worker.address = address;
  worker.channel = *std::move(channel);
  worker.stub = v1::WorkerService::NewStub(worker.channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Status status = worker.stub->Describe(&context, v1::DescribeRequest(), &worker.description);
  if (!status.ok()) {
    return absl::Status(
        FromGrpcStatus(status).code(),
        absl::StrCat("worker ", address, ": Describe failed: ", status.error_message()));
  }
  worker.description.set_address(address);
  // Who answered, as TLS proved it; whatever the worker put there itself is not evidence.
  worker.description.set_identity(security::PeerIdentity(context.auth_context()));
  return worker;
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
