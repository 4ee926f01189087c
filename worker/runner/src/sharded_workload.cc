#include "parlab/runner/sharded_workload.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace parlab::runner {
namespace {

// Every call forwards to the whole workload with the task's global index.
class ShardedWorkload final : public workloads::Workload {
 public:
  ShardedWorkload(std::unique_ptr<workloads::Workload> inner, uint64_t index, uint64_t count)
      : inner_(std::move(inner)), index_(index), count_(count) {}

  uint64_t task_count() const override {
    return ShardTaskCount(inner_->task_count(), index_, count_);
  }
  absl::Status Prepare() override { return inner_->Prepare(); }
  absl::Status RunTask(uint64_t index) override { return inner_->RunTask(Global(index)); }
  absl::StatusOr<workloads::StepResult> Step(uint64_t index,
                                             std::unique_ptr<workloads::TaskState>& state,
                                             parlab_wait_t& wait) override {
    return inner_->Step(Global(index), state, wait);
  }
  absl::Status CheckModel(const workloads::ModelBounds& model) const override {
    return inner_->CheckModel(model);
  }
  absl::Status ResetForRepetition() override { return inner_->ResetForRepetition(); }
  absl::Status VerifyRepetition(const workloads::RepetitionTimes& times) override {
    return inner_->VerifyRepetition(times);
  }
  workloads::Metrics CollectMetrics(const workloads::RepetitionTimes& times) override {
    return inner_->CollectMetrics(times);
  }

 private:
  uint64_t Global(uint64_t local) const { return index_ + local * count_; }

  std::unique_ptr<workloads::Workload> inner_;
  const uint64_t index_;
  const uint64_t count_;
};

}  // namespace

uint64_t ShardTaskCount(uint64_t total, uint64_t index, uint64_t count) {
  if (count <= 1) return total;
  return index < total ? (total - index + count - 1) / count : 0;
}

absl::StatusOr<std::unique_ptr<workloads::Workload>> ShardWorkload(
    std::unique_ptr<workloads::Workload> workload, const v1::Job& job) {
  if (job.shard_count() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("job.shard_count: must be >= 0, got ", job.shard_count()));
  }
  if (job.shard_count() <= 1) {
    if (job.shard_index() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("job.shard_index: must be 0 without shards (shard_count ", job.shard_count(),
                       "), got ", job.shard_index()));
    }
    return workload;
  }
  if (job.shard_index() < 0 || job.shard_index() >= job.shard_count()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job.shard_index: must be in 0..", job.shard_count() - 1, ", got ", job.shard_index()));
  }
  return std::make_unique<ShardedWorkload>(std::move(workload),
                                           static_cast<uint64_t>(job.shard_index()),
                                           static_cast<uint64_t>(job.shard_count()));
}

}  // namespace parlab::runner
