#include "parlab/coordinator/service.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "parlab/cluster/cancel.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/common/grpc_status.h"
#include "parlab/common/log.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/plan.h"
#include "parlab/coordinator/run_plan.h"
#include "parlab/store/store_recorder.h"

namespace parlab::coordinator {

// service_store.cc: logs a store error and turns it into the status that ends the stream.
grpc::Status StoreFailed(const store::StoreRecorder& recorder);

namespace {

cluster::RegistryOptions WithListed(cluster::RegistryOptions options,
                                    const std::vector<std::string>& workers) {
  options.workers.insert(options.workers.end(), workers.begin(), workers.end());
  return options;
}

// One log line per event a journal should keep (docs/robustness.md lists them); counts the
// jobs for the run_end line.
void LogRunEvent(const std::string& run_id, const v1::Plan& plan, size_t workers,
                 const v1::RunEvent& event, int& jobs_ok, int& jobs_failed) {
  if (event.has_started()) {
    log::Event("run_start", {{"run", run_id},
                             {"plan", plan.name()},
                             {"workers", workers},
                             {"jobs", event.started().total_jobs()},
                             {"repetitions", event.started().total_repetitions()}});
  } else if (event.has_worker_lost()) {
    log::Event("worker_lost", {{"run", run_id},
                               {"worker", event.worker_lost().worker()},
                               {"reason", event.worker_lost().reason()}});
  } else if (event.has_job_result()) {
    const v1::JobResult& result = event.job_result();
    if (result.status() == v1::JOB_STATUS_OK) {
      ++jobs_ok;
      return;
    }
    ++jobs_failed;
    log::Event("job_failed", {{"run", run_id},
                              {"worker", result.worker_address()},
                              {"job", result.job_id()},
                              {"model", result.model()},
                              {"concurrency", result.concurrency()},
                              {"status", v1::JobStatus_Name(result.status())},
                              {"reason", result.error()}});
  }
}

// OK when the host of `address` (an IP, or a name resolving to some IPs) is the IP of `peer`
// (gRPC's "ipv4:10.0.0.5:41234" / "ipv6:[::1]:41234").
absl::Status AddressIsPeer(const std::string& address, const std::string& peer) {
  std::string peer_ip = peer;
  for (const char* scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(peer_ip, scheme)) peer_ip = peer_ip.substr(strlen(scheme));
  }
  peer_ip = peer_ip.substr(0, peer_ip.rfind(':'));
  if (absl::StartsWith(peer_ip, "[")) peer_ip = peer_ip.substr(1, peer_ip.size() - 2);
  // A dual-stack listener ([::]) sees IPv4 callers as ::ffff:10.0.0.5.
  if (absl::StartsWith(peer_ip, "::ffff:") && peer_ip.find('.') != std::string::npos) {
    peer_ip = peer_ip.substr(7);
  }
  std::string host = address.substr(0, address.rfind(':'));
  if (absl::StartsWith(host, "[")) host = host.substr(1, host.size() - 2);
  if (host.empty() || address.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("description.address: must be HOST:PORT, got \"", address, "\""));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> resolved;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) == 0) {
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* raw =
          a->ai_family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
      if (inet_ntop(a->ai_family, raw, text, sizeof(text)) != nullptr) {
        if (text == peer_ip) {
          freeaddrinfo(found);
          return absl::OkStatus();
        }
        resolved.push_back(text);
      }
    }
    freeaddrinfo(found);
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "description.address ", address,
      ": a worker registers its own address, but this call "
      "came from ",
      peer_ip, " and ", host, " is ",
      resolved.empty() ? "not resolvable" : absl::StrCat("at ", absl::StrJoin(resolved, ", ")),
      " (an admin token may register any address)"));
}

// A call bound to a registration (Heartbeat, DeregisterWorker) without its secret: logged as
// `event`, refused, and the registration is left as it is.
grpc::Status RefuseWrongSecret(absl::string_view method, absl::string_view event,
                               const std::string& address, const grpc::ServerContext& context) {
  log::Event(event, {{"worker", address}, {"peer", context.peer()}});
  return grpc::Status(
      grpc::StatusCode::PERMISSION_DENIED,
      absl::StrCat(method, " for ", address,
                   ": wrong registration secret (the call carries the heartbeat_secret its "
                   "RegisterWorker returned)"));
}

}  // namespace

CoordinatorServiceImpl::CoordinatorServiceImpl(std::vector<std::string> workers,
                                               absl::Duration connect_timeout,
                                               cluster::RegistryOptions discovery)
    : workers_(std::move(workers)),
      connect_timeout_(connect_timeout),
      registry_(WithListed(std::move(discovery), workers_)) {
  // A registered worker that dies between runs is logged when it goes, not at the next run.
  registry_.StartLossWatch();
}

grpc::Status CoordinatorServiceImpl::Allow(const grpc::ServerContext& context, security::Role need,
                                           absl::string_view method,
                                           security::Caller* caller) const {
  grpc::Status allowed = security_->Authorize(context, need, method, caller);
  if (!allowed.ok()) {
    log::Event("call_refused", {{"method", method},
                                {"peer", context.peer()},
                                {"code", allowed.error_code() == grpc::StatusCode::UNAUTHENTICATED
                                             ? "UNAUTHENTICATED"
                                             : "PERMISSION_DENIED"},
                                {"reason", allowed.error_message()}});
  }
  return allowed;
}

grpc::Status CoordinatorServiceImpl::SubmitRun(grpc::ServerContext* context,
                                               const v1::SubmitRunRequest* request,
                                               grpc::ServerWriter<v1::RunEvent>* writer) {
  security::Caller caller;
  if (grpc::Status allowed = Allow(*context, security::Role::kSubmit, "SubmitRun", &caller);
      !allowed.ok()) {
    return allowed;
  }
  // Only an admin makes the coordinator open connections to addresses of its choosing.
  if (caller.role != security::Role::kAdmin) {
    for (int i = 0; i < request->workers_size(); ++i) {
      if (registry_.IsKnown(request->workers(i))) continue;
      grpc::Status refused(
          grpc::StatusCode::PERMISSION_DENIED,
          absl::StrCat("workers[", i, "] \"", request->workers(i),
                       "\": not a worker this coordinator knows (registered, --workers, "
                       "--hostfile or --workers-dns); naming other addresses needs role admin, ",
                       caller.identity, " has role ", security::RoleName(caller.role)));
      log::Event("run_refused", {{"plan", request->plan().name()},
                                 {"identity", caller.identity},
                                 {"reason", refused.error_message()}});
      return refused;
    }
  }
  // A client may leave fields out as a JSON plan may: the same defaults, from one place.
  v1::Plan plan = request->plan();
  ApplyPlanDefaults(&plan);
  absl::Status valid = ValidatePlan(plan);
  if (!valid.ok()) {
    log::Event("run_refused", {{"plan", plan.name()}, {"reason", valid.message()}});
    return ToGrpcStatus(valid);
  }
  std::vector<std::string> workers(request->workers().begin(), request->workers().end());
  // Registered workers this run leaves out because they are lost: "ADDRESS (why)". The run says
  // so (a WorkerLost event each, right after RunStarted) instead of skipping them without a word.
  std::vector<std::string> lost;
  if (workers.empty()) {
    // The registry's workers: every one not lost (a dead node must not stop the cluster).
    absl::StatusOr<std::vector<std::string>> known = registry_.RunnableAddresses(&lost);
    if (!known.ok()) return ToGrpcStatus(known.status());
    workers = *std::move(known);
    if (workers.empty()) {
      log::Event("run_refused", {{"plan", plan.name()},
                                 {"reason", lost.empty() ? "no workers" : "every worker is lost"}});
      return grpc::Status(
          grpc::StatusCode::FAILED_PRECONDITION,
          lost.empty() ? "workers: the request names none and the coordinator has none "
                         "(start it with --workers, --hostfile or --workers-dns, or start "
                         "workers with --coordinator)"
                       : absl::StrCat("workers: every worker the coordinator knows is lost: ",
                                      absl::StrJoin(lost, ", ")));
    }
  }

  // The sync API has no "client went away" callback: poll, and cancel the run's worker calls
  // (which kills their runners) once the client is gone.
  cluster::RunCanceller canceller;
  absl::Notification done;
  std::thread watcher([&] {
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
      if (context->IsCancelled()) {
        canceller.Cancel();
        return;
      }
    }
  });
  RunOptions options;
  options.connect_timeout = connect_timeout_;
  options.canceller = &canceller;
  options.heartbeat_timeout = registry_.options().heartbeat_timeout;
  options.registered_identity = [this](const std::string& address) {
    return registry_.IdentityOf(address);
  };
  // The store sees every event first, so a run is "finished" there before the client hears it.
  options.run_id = store::NewRunId();
  store::StoreRecorder recorder(store_.get(), options.run_id, plan, [&]() -> std::string {
    if (shutting_down_) return "incomplete";
    return canceller.cancelled() ? "cancelled" : "finished";
  });
  int jobs_ok = 0;
  int jobs_failed = 0;
  absl::StatusOr<RunOutcome> outcome =
      RunPlan(plan, workers, options, [&](const v1::RunEvent& event) {
        auto pass = [&](const v1::RunEvent& e) {
          recorder.OnEvent(e);
          LogRunEvent(options.run_id, plan, workers.size(), e, jobs_ok, jobs_failed);
          if (!writer->Write(e)) canceller.Cancel();
        };
        pass(event);
        if (!event.has_started()) return;
        for (const std::string& skipped : lost) {
          // `skipped` is "ADDRESS (reason)", as RunnableAddresses words it.
          const size_t space = skipped.find(' ');
          v1::RunEvent lost_event;
          lost_event.mutable_worker_lost()->set_worker(skipped.substr(0, space));
          lost_event.mutable_worker_lost()->set_reason(
              absl::StrCat("skipped by this run: lost before it started",
                           space == std::string::npos ? "" : skipped.substr(space)));
          pass(lost_event);
        }
      });
  done.Notify();
  watcher.join();
  const std::string state = !outcome.ok()             ? "failed"
                            : shutting_down_          ? "incomplete"
                            : canceller.cancelled()   ? "cancelled"
                            : !recorder.status().ok() ? "store_failed"
                                                      : "finished";
  if (outcome.ok()) {
    log::Event("run_end", {{"run", options.run_id},
                           {"state", state},
                           {"jobs_ok", jobs_ok},
                           {"jobs_failed", jobs_failed}});
  } else {
    log::Event("run_end", {{"run", options.run_id},
                           {"state", state},
                           {"jobs_ok", jobs_ok},
                           {"jobs_failed", jobs_failed},
                           {"error", outcome.status().message()}});
  }
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  if (!recorder.status().ok()) return StoreFailed(recorder);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::ListWorkers(grpc::ServerContext* context,
                                                 const v1::ListWorkersRequest* request,
                                                 v1::ListWorkersResponse* response) {
  if (grpc::Status allowed = Allow(*context, security::Role::kSubmit, "ListWorkers", nullptr);
      !allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<std::vector<v1::WorkerStatus>> statuses = registry_.Statuses();
  if (!statuses.ok()) return ToGrpcStatus(statuses.status());
  for (v1::WorkerStatus& status : *statuses) {
    if (status.state() != cluster::kStateLost) *response->add_workers() = status.description();
    *response->add_statuses() = std::move(status);
  }
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::RegisterWorker(grpc::ServerContext* context,
                                                    const v1::RegisterWorkerRequest* request,
                                                    v1::RegisterWorkerResponse* response) {
  security::Caller caller;
  if (grpc::Status allowed = Allow(*context, security::Role::kWorker, "RegisterWorker", &caller);
      !allowed.ok()) {
    return allowed;
  }
  // The coordinator will dial the registered address: a worker (not an admin) registers only
  // an address of the machine it calls from, so a worker token cannot aim the coordinator at
  // another host.
  if (caller.role != security::Role::kAdmin) {
    if (absl::Status own = AddressIsPeer(request->description().address(), context->peer());
        !own.ok()) {
      log::Event("worker_refused",
                 {{"worker", request->description().address()}, {"reason", own.message()}});
      return ToGrpcStatus(own);
    }
  }
  absl::StatusOr<std::string> secret = registry_.Register(request->description(), caller.identity);
  if (!secret.ok()) {
    log::Event("worker_refused", {{"worker", request->description().address()},
                                  {"reason", secret.status().message()}});
    return ToGrpcStatus(secret.status());
  }
  // Connect back now, in the background: the TCP and TLS handshakes are done before the first
  // run that needs this worker, not inside it (docs/performance.md, "TLS and tokens").
  cluster::WarmChannel(request->description().address());
  response->set_heartbeat_interval_ms(
      absl::ToInt64Milliseconds(registry_.options().heartbeat_interval));
  response->set_heartbeat_secret(*secret);
  return grpc::Status::OK;
}

grpc::Status CoordinatorServiceImpl::Heartbeat(grpc::ServerContext* context,
                                               const v1::HeartbeatRequest* request,
                                               v1::HeartbeatResponse* response) {
  if (grpc::Status allowed = Allow(*context, security::Role::kWorker, "Heartbeat", nullptr);
      !allowed.ok()) {
    return allowed;
  }
  switch (registry_.Heartbeat(request->address(), request->secret(), request->busy())) {
    case cluster::SecretCheck::kOk:
      response->set_known(true);
      return grpc::Status::OK;
    case cluster::SecretCheck::kUnknown:
      response->set_known(false);
      return grpc::Status::OK;
    case cluster::SecretCheck::kWrongSecret:
      break;
  }
  return RefuseWrongSecret("Heartbeat", "heartbeat_refused", request->address(), *context);
}

grpc::Status CoordinatorServiceImpl::DeregisterWorker(grpc::ServerContext* context,
                                                      const v1::DeregisterWorkerRequest* request,
                                                      v1::DeregisterWorkerResponse* response) {
  if (grpc::Status allowed = Allow(*context, security::Role::kWorker, "DeregisterWorker", nullptr);
      !allowed.ok()) {
    return allowed;
  }
  switch (registry_.Deregister(request->address(), request->secret())) {
    case cluster::SecretCheck::kOk:
      response->set_removed(true);
      return grpc::Status::OK;
    case cluster::SecretCheck::kUnknown:
      response->set_removed(false);
      return grpc::Status::OK;
    case cluster::SecretCheck::kWrongSecret:
      break;
  }
  return RefuseWrongSecret("DeregisterWorker", "deregister_refused", request->address(), *context);
}

absl::StatusOr<std::unique_ptr<CoordinatorServer>> StartCoordinatorServer(
    const std::string& listen, std::vector<std::string> workers, absl::Duration connect_timeout,
    cluster::RegistryOptions discovery, std::shared_ptr<store::ResultStore> store,
    std::unique_ptr<security::ServerSecurity> security) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: must be HOST:PORT, got \"", listen, "\""));
  }
  grpc::EnableDefaultHealthCheckService(true);
  auto service = std::make_unique<CoordinatorServiceImpl>(std::move(workers), connect_timeout,
                                                          std::move(discovery));
  service->set_store(std::move(store));
  if (security == nullptr) {
    PARLAB_ASSIGN_OR_RETURN(security,
                            security::ServerSecurity::Create({}, listen, "parlab-coordinator"));
  }
  std::shared_ptr<grpc::ServerCredentials> credentials = security->credentials();
  service->set_security(std::move(security));
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second coordinator on a busy port would start and take
  // half of the connections. Refuse the port instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(listen, credentials, &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("--listen: cannot bind \"", listen,
                     "\": the port is in use (by another daemon?) or the address is not local"));
  }
  // grpc.health.v1: "" (the server) and the service's own name, as the worker does, so a
  // probe that names the service (Kubernetes' grpc probe with `service:`) gets SERVING, not
  // NOT_FOUND. CoordinatorServer::Shutdown turns both to NOT_SERVING.
  if (grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService()) {
    health->SetServingStatus(true);
    health->SetServingStatus(v1::CoordinatorService::service_full_name(), true);
  }
  std::string address = absl::StrCat(listen.substr(0, colon), ":", port);
  return std::make_unique<CoordinatorServer>(std::move(service), std::move(server),
                                             std::move(address));
}

}  // namespace parlab::coordinator
