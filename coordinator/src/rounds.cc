// RunRounds: the round loop that broadcast and shard mode share (rounds.h).
#include "parlab/coordinator/rounds.h"

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "parlab/coordinator/auto_repeat.h"
#include "parlab/results/samples.h"

namespace parlab::coordinator {
namespace {

using Merged = std::vector<std::vector<v1::JobResult>>;

bool Cancelled(const cluster::RunCanceller* canceller) {
  return canceller != nullptr && canceller->cancelled();
}

// Runs body(0..count-1) at once, one thread each; a group of one runs on the calling thread.
void RunTogether(size_t count, const std::function<void(size_t)>& body) {
  if (count == 1) {
    body(0);
    return;
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < count; ++i) threads.emplace_back([&, i] { body(i); });
  for (std::thread& thread : threads) thread.join();
}

Merged Shells(const std::vector<JobGroup>& groups, const RoundHooks& hooks) {
  Merged merged(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const GroupMember& member : groups[g].members) {
      v1::JobResult shell = hooks.shell(member.worker, member.job);
      shell.set_status(groups[g].skip_reason.empty() ? v1::JOB_STATUS_OK : v1::JOB_STATUS_FAILED);
      shell.set_error(groups[g].skip_reason);
      merged[g].push_back(std::move(shell));
    }
  }
  return merged;
}

// Appends one round's samples to the merged result, numbering them as the plan's repetitions.
void MergeRound(const v1::JobResult& round_result, int round, v1::JobResult& merged) {
  for (const v1::Sample& sample : round_result.samples()) {
    v1::Sample* added = merged.add_samples();
    *added = sample;
    if (!sample.warmup()) added->set_index(round);
  }
  if (round_result.status() != v1::JOB_STATUS_OK) {
    merged.set_status(round_result.status());
    merged.set_error(absl::StrCat("repetition ", round + 1, ": ", round_result.error()));
  }
}

// A snapshot of a member between rounds, for the store (RunEvent.partial_result).
v1::JobResult Partial(const v1::JobResult& merged, int rounds) {
  v1::JobResult partial = merged;
  if (partial.status() == v1::JOB_STATUS_OK) {
    partial.set_status(v1::JOB_STATUS_CANCELLED);
    partial.set_error(absl::StrCat("partial: ", results::CountMeasured(merged),
                                   " measured repetitions of ", rounds,
                                   " rounds run when last stored"));
  }
  return partial;
}

// A group as the stopping rule sees it: still running while a member is OK and has every round
// it ran; its wall per round is the slowest member's (a shard group's cluster figure).
JobRounds GroupState(const std::vector<v1::JobResult>& members, int rounds_run) {
  JobRounds state;
  state.ok = false;
  bool complete = true;
  std::map<int32_t, double> slowest;
  for (const v1::JobResult& member : members) {
    if (member.status() != v1::JOB_STATUS_OK) continue;
    state.ok = true;
    complete &= results::CountMeasured(member) == rounds_run;
    for (const v1::Sample& sample : member.samples()) {
      if (sample.warmup()) continue;
      double& wall = slowest[sample.index()];
      wall = std::max(wall, static_cast<double>(sample.wall_ns()));
    }
  }
  state.ok &= complete;
  for (const auto& [round, wall] : slowest) state.walls.push_back(wall);
  return state;
}

Merged RunInterleaved(const v1::Plan& plan, const std::vector<JobGroup>& groups,
                      cluster::RunCanceller* canceller, const RoundHooks& hooks) {
  const absl::Time start = absl::Now();
  const AutoRepeat rule = AutoRepeatOf(plan);
  Merged merged = Shells(groups, hooks);
  std::vector<int> rounds_run(groups.size(), 0);
  for (int round = 0;; ++round) {
    std::vector<JobRounds> states;
    for (size_t g = 0; g < groups.size(); ++g) {
      states.push_back(GroupState(merged[g], rounds_run[g]));
    }
    std::vector<size_t> order = JobsForNextRound(states, round, absl::Now() - start, rule);
    if (order.empty() || Cancelled(canceller)) break;
    std::mt19937 shuffle_seed(static_cast<uint32_t>(round));
    std::shuffle(order.begin(), order.end(), shuffle_seed);
    // Progress counts against the plan's rounds, then against the most auto-repeat may add.
    const RoundInfo where{round,
                          round < rule.repetitions ? rule.repetitions : rule.max_repetitions};
    for (size_t g : order) {
      if (Cancelled(canceller)) break;
      const int rounds = ++rounds_run[g];
      RunTogether(groups[g].members.size(), [&](size_t m) {
        v1::JobResult& into = merged[g][m];
        if (into.status() != v1::JOB_STATUS_OK) return;  // failed before: not run again
        const GroupMember& member = groups[g].members[m];
        v1::Job job = member.job;
        job.set_job_id(absl::StrCat(job.job_id(), "#", round + 1));
        job.set_repetitions(1);
        MergeRound(hooks.run(member.worker, job, &where), round, into);
        if (hooks.partial) hooks.partial(Partial(into, rounds));
      });
    }
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    // A group that stopped early because it met its target has fewer rounds, but never fewer
    // than the plan's `repetitions`.
    const int expected = std::max(rounds_run[g], rule.repetitions);
    for (v1::JobResult& result : merged[g]) {
      const int measured = results::CountMeasured(result);
      if (result.status() == v1::JOB_STATUS_OK && measured != expected) {
        result.set_status(v1::JOB_STATUS_CANCELLED);
        result.set_error(
            absl::StrCat("cancelled after ", measured, " of ", expected, " repetitions"));
      }
    }
    if (hooks.done) hooks.done(merged[g]);
  }
  return merged;
}

Merged RunGrouped(const std::vector<JobGroup>& groups, cluster::RunCanceller* canceller,
                  const RoundHooks& hooks) {
  Merged merged = Shells(groups, hooks);
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].skip_reason.empty()) {
      // FAILED with the reason already.
    } else if (Cancelled(canceller)) {
      for (v1::JobResult& result : merged[g]) {
        result.set_status(v1::JOB_STATUS_CANCELLED);
        result.set_error("cancelled before it started");
      }
    } else {
      RunTogether(groups[g].members.size(), [&](size_t m) {
        const GroupMember& member = groups[g].members[m];
        merged[g][m] = hooks.run(member.worker, member.job, nullptr);
      });
    }
    if (hooks.done) hooks.done(merged[g]);
  }
  return merged;
}

}  // namespace

std::vector<std::vector<v1::JobResult>> RunRounds(const v1::Plan& plan,
                                                  const std::vector<JobGroup>& groups,
                                                  cluster::RunCanceller* canceller,
                                                  const RoundHooks& hooks) {
  if (plan.order() == v1::REPETITION_ORDER_GROUPED) return RunGrouped(groups, canceller, hooks);
  return RunInterleaved(plan, groups, canceller, hooks);
}

}  // namespace parlab::coordinator
