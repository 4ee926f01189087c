// The one round loop of a run, for broadcast and shard mode alike. A run is a list of job
// groups; a group is what makes one row's repetition: in broadcast mode one job on one worker,
// in shard mode the N shards of a job, started together on N workers.
//
//   std::vector<JobGroup> groups = ...;  // per planned job: its members (worker, job)
//   std::vector<std::vector<v1::JobResult>> merged = RunRounds(plan, groups, canceller, hooks);
//   // merged[g][m]: member m of group g, every measured repetition numbered by its round.
//
// Interleaved order (the default): `repetitions` rounds; each round runs every group once with
// one measured repetition after its warm-ups, in a fresh runner, in an order shuffled per round
// (seeded by the round number, so a plan always runs in the same order). A member that failed
// is not run again; the samples it measured before are kept, and after each of its rounds a
// snapshot goes to hooks.partial (the store keeps finished rounds of a coordinator that dies).
// With target_cv, more rounds follow for the groups whose CV is still above it
// (auto_repeat.h), the CV of a shard group being that of its slowest shard per round.
// Grouped order: each group's members run every repetition in one runner, group after group;
// hooks.done gets each group's results as soon as they are final.
#ifndef PARLAB_COORDINATOR_ROUNDS_H_
#define PARLAB_COORDINATOR_ROUNDS_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "parlab/cluster/cancel.h"
#include "parlab/v1/parlab.pb.h"

namespace parlab::coordinator {

// Which round of an interleaved run a job is, so progress reads "measure 3/5" for the plan
// rather than "measure 1/1" for the one-repetition job.
struct RoundInfo {
  int index = 0;
  int count = 1;
};

// One execution that makes part of a group's repetition: `job` on the worker numbered `worker`
// (an index the caller's runner understands).
struct GroupMember {
  size_t worker = 0;
  v1::Job job;
};

struct JobGroup {
  std::vector<GroupMember> members;
  // Non-empty: the group cannot run (a level above the model's bounded max_concurrency); its
  // members are FAILED with this reason without being sent.
  std::string skip_reason;
};

struct RoundHooks {
  // Runs one job on a worker; never fails (every outcome is a JobResult). `round` is null in
  // grouped order. Called from several threads at once for a group of several members.
  std::function<v1::JobResult(size_t worker, const v1::Job& job, const RoundInfo* round)> run;
  // The result every member starts from (identity fields, no samples).
  std::function<v1::JobResult(size_t worker, const v1::Job& job)> shell;
  // Optional: a member's merged result after each of its interleaved rounds (status CANCELLED,
  // "partial: ..." while it is OK, so a store never shows it as finished).
  std::function<void(const v1::JobResult& partial)> partial;
  // Optional: a group's final results, in member order.
  std::function<void(const std::vector<v1::JobResult>& results)> done;
};

std::vector<std::vector<v1::JobResult>> RunRounds(const v1::Plan& plan,
                                                  const std::vector<JobGroup>& groups,
                                                  cluster::RunCanceller* canceller,
                                                  const RoundHooks& hooks);

}  // namespace parlab::coordinator

#endif  // PARLAB_COORDINATOR_ROUNDS_H_
