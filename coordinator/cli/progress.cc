#include "progress.h"

#include "absl/strings/str_cat.h"
#include "parlab/coordinator/reporter.h"

namespace parlab::cli {

void RunProgress::OnEvent(const v1::RunEvent& event) {
  if (event.has_worker()) {
    const v1::WorkerDescription& w = event.worker();
    workers_.push_back(w);
    log_ << "[" << w.address() << "] worker " << w.machine().hostname() << ": "
         << w.machine().logical_cores() << " logical cores, " << w.models_size() << " models\n";
  } else if (event.has_job_started()) {
    const auto& s = event.job_started();
    log_ << "[" << s.worker() << "] " << s.model() << " x" << s.concurrency() << ": started\n";
  } else if (event.has_progress()) {
    const auto& p = event.progress();
    log_ << "[" << p.worker() << "] " << p.model() << " x" << p.concurrency() << ": "
         << p.progress().phase() << " " << p.progress().repetition() + 1 << "/"
         << p.progress().repetitions() << "\n";
  } else if (event.has_job_result()) {
    const v1::JobResult& r = event.job_result();
    results_.push_back(r);
    log_ << "[" << r.worker_address() << "] " << r.model() << " x" << r.concurrency() << ": "
         << coordinator::StatusName(r.status());
    if (!r.error().empty()) log_ << ": " << r.error();
    log_ << "\n";
  } else if (event.has_finished()) {
    finished_ = true;
    run_id_ = event.finished().run_id();
    log_ << "run " << run_id_ << " finished: " << event.finished().jobs_ok() << " jobs OK, "
         << event.finished().jobs_failed() << " failed\n";
  }
  log_.flush();
}

}  // namespace parlab::cli
