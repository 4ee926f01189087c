// `parlab run PLAN.json`: load the plan, run it (embedded coordinator on --workers or an
// auto-started local worker, or a coordinator daemon), then report on stdout.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "cluster_args.h"
#include "commands.h"
#include "local_worker.h"
#include "parlab/cluster/worker_client.h"
#include "parlab/common/grpc_status.h"
#include "parlab/common/status_macros.h"
#include "parlab/coordinator/plan.h"
#include "parlab/coordinator/run_plan.h"
#include "parlab/report/escape.h"
#include "parlab/report/reporter.h"
#include "parlab/results/aggregate.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "progress.h"
#include "store_recorder.h"

namespace parlab::cli {
namespace {

constexpr absl::Duration kLocalWorkerStartTimeout = absl::Seconds(15);

absl::Status SubmitToCoordinator(const CliOptions& options, const v1::Plan& plan,
                                 Interrupt& interrupt, RunProgress& progress) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = cluster::ConnectChannel(
      "coordinator", options.coordinator, options.connect_timeout, &interrupt.canceller);
  if (!channel.ok()) return channel.status();
  auto stub = v1::CoordinatorService::NewStub(*channel);
  grpc::ClientContext context;
  cluster::ScopedCancellation cancellation(&interrupt.canceller, &context);
  if (!cancellation.ok()) return absl::CancelledError("cancelled");
  v1::SubmitRunRequest request;
  *request.mutable_plan() = plan;
  PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> workers, ResolveWorkers(options));
  for (const std::string& worker : workers) request.add_workers(worker);
  auto reader = stub->SubmitRun(&context, request);
  v1::RunEvent event;
  while (reader->Read(&event)) progress.OnEvent(event);
  grpc::Status status = reader->Finish();
  if (status.ok() && !progress.finished()) {
    return absl::DataLossError(
        absl::StrCat("coordinator ", options.coordinator, ": the run ended without a result"));
  }
  // The connection dropped after the run began (the daemon died or its host went away): name
  // the daemon, since gRPC's own words ("Socket closed") name nothing.
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && progress.started() &&
      !interrupt.canceller.cancelled()) {
    return absl::UnavailableError(absl::StrCat("coordinator ", options.coordinator,
                                               " went away mid-run: ", status.error_message()));
  }
  return FromGrpcStatus(status);
}

// `store` (may be null) records the run as it goes.
absl::Status RunEmbedded(const CliOptions& options, const v1::Plan& plan, Interrupt& interrupt,
                         RunProgress& progress, CliStoreRecorder* store) {
  PARLAB_ASSIGN_OR_RETURN(std::vector<std::string> workers, ResolveWorkers(options));
  std::unique_ptr<LocalWorker> local;
  if (workers.empty()) {
    // A local run's python modules come from the plan file's own folder, nowhere else.
    const std::string plan_dir =
        std::filesystem::absolute(options.plan_path).lexically_normal().parent_path().string();
    absl::StatusOr<std::unique_ptr<LocalWorker>> started = LocalWorker::Start(
        DefaultWorkerPath(), options.plugins, kLocalWorkerStartTimeout, plan_dir);
    if (!started.ok()) return started.status();
    local = *std::move(started);
    interrupt.local_worker_pgid = local->pid();
    workers = {local->address()};
  }
  coordinator::RunOptions run_options;
  run_options.connect_timeout = options.connect_timeout;
  run_options.canceller = &interrupt.canceller;
  if (store != nullptr) run_options.run_id = store->run_id();
  absl::StatusOr<coordinator::RunOutcome> outcome =
      coordinator::RunPlan(plan, workers, run_options, [&](const v1::RunEvent& event) {
        if (store != nullptr) store->OnEvent(event);  // first: stored before it is shown
        progress.OnEvent(event);
      });
  if (local != nullptr) {
    interrupt.local_worker_pgid = 0;
    local->Stop();
  }
  return outcome.status();
}

}  // namespace

void Interrupt::OnSignal() {
  if (signals.fetch_add(1) == 0) {
    std::cerr << "parlab: "
              << (serving ? "stopping the dashboard"
                          : "interrupted, cancelling the run (Ctrl-C again to "
                            "quit at once)")
              << "\n";
    canceller.Cancel();
    return;
  }
  // SIGTERM, not SIGKILL: the worker's runners live in process groups of their own, out of
  // reach of a kill of the worker's group; a SIGKILLed worker would orphan them (and the
  // children they forked) for the rest of their job. On SIGTERM the worker cancels its job,
  // which stops the runner's whole group within its 2 s grace, then exits, after we are gone.
  if (pid_t pgid = local_worker_pgid.load(); pgid > 0) kill(-pgid, SIGTERM);
  _exit(kExitInterrupted);
}

int RunCommand(const CliOptions& options, Interrupt& interrupt) {
  // A bad PARLAB_MAX_PLAN_BYTES is a usage error, never a silent fall-back to the default.
  absl::StatusOr<coordinator::PlanLimits> limits = coordinator::PlanLimitsFromEnv();
  if (!limits.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(limits.status().message()) << "\n";
    return kExitUsage;
  }
  absl::StatusOr<v1::Plan> plan = coordinator::LoadPlanFile(options.plan_path, *limits);
  if (!plan.ok()) {
    // The message quotes the plan: its control characters must not reach the terminal raw.
    std::cerr << "parlab: " << report::EscapeControl(plan.status().message()) << "\n";
    return kExitUsage;
  }
  ApplyClusterFlags(options, *plan);  // --select, --mode
  absl::StatusOr<std::unique_ptr<report::Reporter>> reporter =
      report::MakeReporter(options.format, std::cout);
  if (!reporter.ok()) {
    std::cerr << "parlab: " << report::EscapeControl(reporter.status().message()) << "\n";
    return kExitUsage;
  }

  // Parsed (and refused if bad) by ParseCliArgs already.
  const ProgressMode mode = ParseProgressMode(options.progress).value_or(ProgressMode::kAuto);
  RunProgress progress(std::cerr, ResolveProgressMode(mode, isatty(STDERR_FILENO) == 1));
  // A coordinator daemon keeps its own store; the embedded one writes here.
  std::unique_ptr<CliStoreRecorder> store =
      options.coordinator.empty()
          ? CliStoreRecorder::Start(options, *plan, interrupt.canceller, std::cerr)
          : nullptr;
  absl::Status status = options.coordinator.empty()
                            ? RunEmbedded(options, *plan, interrupt, progress, store.get())
                            : SubmitToCoordinator(options, *plan, interrupt, progress);
  progress.Finish();
  if (store != nullptr) store->Report(std::cerr);
  const bool cancelled = interrupt.canceller.cancelled();
  // A run cut short reports all it received, an interleaved job's samples so far included.
  const std::vector<v1::JobResult> results =
      status.ok() ? progress.results() : progress.ReceivedResults();
  if (!status.ok()) {
    std::cerr << "parlab: "
              << (cancelled ? "interrupted" : report::EscapeControlKeepLines(status.message()))
              << "\n";
    // Errors before the first job print nothing, except a coordinator daemon lost once the run
    // had begun: that is a failed run (exit 1), not a usage error.
    const bool coordinator_lost =
        !options.coordinator.empty() && progress.started() && absl::IsUnavailable(status);
    if (results.empty() && !coordinator_lost) return cancelled ? kExitInterrupted : kExitUsage;
  }

  (*reporter)->ReportContext(
      {.plan = *plan, .machines = progress.workers(), .run_id = progress.run_id()});
  (*reporter)->ReportRows(results::Aggregate(*plan, progress.workers(), results));
  (*reporter)->Finalize();

  if (cancelled) return kExitInterrupted;
  if (!status.ok()) return kExitJobFailed;
  for (const v1::JobResult& result : results) {
    if (result.status() != v1::JOB_STATUS_OK) return kExitJobFailed;
  }
  return kExitOk;
}

}  // namespace parlab::cli
