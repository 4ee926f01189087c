// `parlab run PLAN.json`: load the plan, run it (embedded coordinator on --workers or an
// auto-started local worker, or a coordinator daemon), then report on stdout.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "commands.h"
#include "local_worker.h"
#include "parlab/coordinator/aggregate.h"
#include "parlab/coordinator/plan.h"
#include "parlab/coordinator/reporter.h"
#include "parlab/coordinator/run_plan.h"
#include "parlab/coordinator/worker_client.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "progress.h"

namespace parlab::cli {
namespace {

constexpr absl::Duration kLocalWorkerStartTimeout = absl::Seconds(15);

absl::Status SubmitToCoordinator(const CliOptions& options, const v1::Plan& plan,
                                 Interrupt& interrupt, RunProgress& progress) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = coordinator::ConnectChannel(
      "coordinator", options.coordinator, options.connect_timeout, &interrupt.canceller);
  if (!channel.ok()) return channel.status();
  auto stub = v1::CoordinatorService::NewStub(*channel);
  grpc::ClientContext context;
  coordinator::ScopedCancellation cancellation(&interrupt.canceller, &context);
  if (!cancellation.ok()) return absl::CancelledError("cancelled");
  v1::SubmitRunRequest request;
  *request.mutable_plan() = plan;
  for (const std::string& worker : options.workers) request.add_workers(worker);
  auto reader = stub->SubmitRun(&context, request);
  v1::RunEvent event;
  while (reader->Read(&event)) progress.OnEvent(event);
  grpc::Status status = reader->Finish();
  if (status.ok() && !progress.finished()) {
    return absl::DataLossError(
        absl::StrCat("coordinator ", options.coordinator, ": the run ended without a result"));
  }
  return coordinator::FromGrpc(status);
}

absl::Status RunEmbedded(const CliOptions& options, const v1::Plan& plan, Interrupt& interrupt,
                         RunProgress& progress) {
  std::vector<std::string> workers = options.workers;
  std::unique_ptr<LocalWorker> local;
  if (workers.empty()) {
    absl::StatusOr<std::unique_ptr<LocalWorker>> started =
        LocalWorker::Start(DefaultWorkerPath(), options.plugins, kLocalWorkerStartTimeout);
    if (!started.ok()) return started.status();
    local = *std::move(started);
    interrupt.local_worker_pgid = local->pid();
    std::cerr << "started local worker " << local->address() << " (pid " << local->pid() << ")\n";
    workers = {local->address()};
  }
  coordinator::RunOptions run_options;
  run_options.connect_timeout = options.connect_timeout;
  run_options.canceller = &interrupt.canceller;
  absl::StatusOr<coordinator::RunOutcome> outcome = coordinator::RunPlan(
      plan, workers, run_options, [&](const v1::RunEvent& event) { progress.OnEvent(event); });
  if (local != nullptr) {
    interrupt.local_worker_pgid = 0;
    local->Stop();
  }
  return outcome.status();
}

}  // namespace

void Interrupt::OnSignal() {
  if (signals.fetch_add(1) == 0) {
    std::cerr << "parlab: interrupted, cancelling the run (Ctrl-C again to quit at once)\n";
    canceller.Cancel();
    return;
  }
  if (pid_t pgid = local_worker_pgid.load(); pgid > 0) kill(-pgid, SIGKILL);
  _exit(kExitInterrupted);
}

int RunCommand(const CliOptions& options, Interrupt& interrupt) {
  absl::StatusOr<v1::Plan> plan = coordinator::LoadPlanFile(options.plan_path);
  if (!plan.ok()) {
    std::cerr << "parlab: " << plan.status().message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<coordinator::Reporter>> reporter =
      coordinator::MakeReporter(options.format, std::cout);
  if (!reporter.ok()) {
    std::cerr << "parlab: " << reporter.status().message() << "\n";
    return kExitUsage;
  }

  RunProgress progress(std::cerr);
  absl::Status status = options.coordinator.empty()
                            ? RunEmbedded(options, *plan, interrupt, progress)
                            : SubmitToCoordinator(options, *plan, interrupt, progress);
  const bool cancelled = interrupt.canceller.cancelled();
  if (!status.ok()) {
    std::cerr << "parlab: " << (cancelled ? "interrupted" : status.message()) << "\n";
    // Errors before the first job print nothing; a run cut short still reports what it has.
    if (progress.results().empty()) return cancelled ? kExitInterrupted : kExitUsage;
  }

  (*reporter)->ReportContext(
      {.plan = *plan, .machines = progress.workers(), .run_id = progress.run_id()});
  (*reporter)->ReportRows(coordinator::Aggregate(*plan, progress.workers(), progress.results()));
  (*reporter)->Finalize();

  if (cancelled) return kExitInterrupted;
  if (!status.ok()) return kExitJobFailed;
  for (const v1::JobResult& result : progress.results()) {
    if (result.status() != v1::JOB_STATUS_OK) return kExitJobFailed;
  }
  return kExitOk;
}

}  // namespace parlab::cli
