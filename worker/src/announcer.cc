#include "parlab/worker/announcer.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/common/log.h"
#include "parlab/security/net_security.h"
#include "parlab/v1/parlab.grpc.pb.h"

namespace parlab {
namespace {

// An RPC to the coordinator never blocks the loop longer than this (a cut link hangs, it does
// not fail).
absl::Duration RpcDeadline(absl::Duration interval) {
  return std::clamp(interval, absl::Seconds(1), absl::Seconds(5));
}

// DeregisterWorker at shutdown waits at most this: a stopped or unreachable coordinator must not
// hold up the worker's exit (the registration then goes lost at the heartbeat timeout, as before).
constexpr absl::Duration kDeregisterDeadline = absl::Seconds(1);

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  // A restarted coordinator is found again within a second or so.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // Despite its name this is gRPC's minimum *connect timeout* of one attempt, not a backoff: at
  // 200 ms a TLS handshake with a coordinator busy with hundreds of registrations was cut off
  // and retried for ever (coordinator/cluster/src/worker_client.cc has the whole story).
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20000);
  return security::CreateChannel(address, args);
}

}  // namespace

std::string AnnouncedAddress(const std::string& advertise, const std::string& bound) {
  if (!advertise.empty()) return advertise;
  const size_t colon = bound.rfind(':');
  const std::string host = bound.substr(0, colon);
  if (host != "0.0.0.0" && host != "[::]" && host != "::" && !host.empty()) return bound;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return bound;
  return absl::StrCat(name, bound.substr(colon));
}

Announcer::Announcer(std::string coordinator, absl::Duration interval,
                     std::function<v1::WorkerDescription()> describe, std::function<bool()> busy)
    : coordinator_(std::move(coordinator)),
      interval_(interval),
      describe_(std::move(describe)),
      busy_(std::move(busy)) {
  thread_ = std::thread([this] { Loop(); });
}

Announcer::~Announcer() { Stop(); }

void Announcer::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    if (!stop_.HasBeenNotified()) stop_.Notify();
    // A call to a coordinator that hangs would hold up the shutdown for its whole deadline.
    if (in_flight_ != nullptr) in_flight_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool Announcer::Track(grpc::ClientContext* context) {
  absl::MutexLock lock(&mutex_);
  if (stop_.HasBeenNotified()) return false;
  in_flight_ = context;
  return true;
}

void Announcer::Untrack() {
  absl::MutexLock lock(&mutex_);
  in_flight_ = nullptr;
}

void Announcer::Loop() {
  std::shared_ptr<grpc::Channel> channel = MakeChannel(coordinator_);
  std::unique_ptr<v1::CoordinatorService::Stub> stub = v1::CoordinatorService::NewStub(channel);
  absl::Duration interval = interval_;
  bool registered = false;
  bool reported_down = false;  // log a lost coordinator once, not every second
  std::string address;
  std::string secret;  // this registration's; every heartbeat carries it
  while (!stop_.HasBeenNotified()) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + RpcDeadline(interval)));
    if (!Track(&context)) break;
    grpc::Status status;
    if (!registered) {
      v1::RegisterWorkerRequest request;
      *request.mutable_description() = describe_();
      address = request.description().address();
      v1::RegisterWorkerResponse response;
      status = stub->RegisterWorker(&context, request, &response);
      Untrack();
      if (status.ok()) {
        registered = true;
        secret = response.heartbeat_secret();
        // The coordinator's detection time assumes its interval; never beat slower than that.
        if (response.heartbeat_interval_ms() > 0) {
          interval = std::min(interval_, absl::Milliseconds(response.heartbeat_interval_ms()));
        }
        log::Event("registered", {{"worker", address}, {"coordinator", coordinator_}});
      }
    } else {
      v1::HeartbeatRequest request;
      request.set_address(address);
      request.set_busy(busy_());
      request.set_secret(secret);
      v1::HeartbeatResponse response;
      status = stub->Heartbeat(&context, request, &response);
      Untrack();
      if (status.ok() && !response.known()) {
        log::Event("reregistering", {{"coordinator", coordinator_},
                                     {"reason", "the coordinator does not know this worker"}});
        registered = false;
        continue;  // at once, not an interval later
      }
      if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
        // The secret is not this registration's (the entry was replaced): start over.
        registered = false;
      }
    }
    if (stop_.HasBeenNotified()) break;  // cancelled by Stop(): not the coordinator's fault
    const bool refused = status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                         status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
    if (refused && !reported_down) {
      // Reached, but its credentials are not accepted (docs/security.md): say so, not "down".
      log::Event("registration_refused", {{"coordinator", coordinator_},
                                          {"error", status.error_message()},
                                          {"retry", absl::FormatDuration(interval)}});
    } else if (!status.ok() && !reported_down) {
      log::Event("coordinator_unreachable", {{"coordinator", coordinator_},
                                             {"error", status.error_message()},
                                             {"retry", absl::FormatDuration(interval)}});
    }
    if (status.ok() && reported_down) {
      log::Event("coordinator_reachable", {{"coordinator", coordinator_}});
    }
    reported_down = !status.ok();
    stop_.WaitForNotificationWithTimeout(interval);
  }
  if (registered) Deregister(*stub, address, secret);
}

void Announcer::Deregister(v1::CoordinatorService::Stub& stub, const std::string& address,
                           const std::string& secret) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kDeregisterDeadline));
  v1::DeregisterWorkerRequest request;
  request.set_address(address);
  request.set_secret(secret);
  v1::DeregisterWorkerResponse response;
  grpc::Status status = stub.DeregisterWorker(&context, request, &response);
  if (status.ok()) {
    log::Event("deregistered", {{"worker", address},
                                {"coordinator", coordinator_},
                                {"removed", response.removed() ? "yes" : "no"}});
  } else {
    log::Event("deregister_failed",
               {{"coordinator", coordinator_}, {"error", status.error_message()}});
  }
}

}  // namespace parlab
