// threads: one std::thread per task, at most job->concurrency alive at once. A new thread is
// created only after one has finished, and finished threads are joined before that, so the
// bound holds for live OS threads and no finished thread lingers unjoined.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "model_support.h"
#include "parlab/model_abi.h"

namespace parlab::models {
namespace {

// What the running threads share with the spawning (calling) thread.
struct Slots {
  std::mutex mu;
  std::condition_variable cv;
  uint32_t alive = 0;              // threads started and not yet finished
  std::vector<uint64_t> finished;  // finished but not yet joined, by task index
  UnitNumbers units;               // of the threads alive, for bind_unit
};

// The body of the thread that runs task `index`.
void RunOne(const parlab_job_t* job, uint64_t index, uint32_t unit, Outcome& outcome,
            Slots& slots) {
  BindUnit(job, unit);
  parlab_error_t task_error{};
  outcome.Record(index, job->run_task(job, index, &task_error), task_error);
  {
    std::lock_guard<std::mutex> lock(slots.mu);
    --slots.alive;
    slots.units.Give(unit);
    slots.finished.push_back(index);
  }
  slots.cv.notify_all();
}

int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  return GuardRun(job, error, [&] {
    Outcome outcome;
    Slots slots;
    // Declared after `slots`, so on any exit path every thread is joined (jthread's
    // destructor) before the state it uses goes away.
    std::map<uint64_t, std::jthread> threads;

    auto join_finished = [&] {
      std::vector<uint64_t> done;
      {
        std::lock_guard<std::mutex> lock(slots.mu);
        done.swap(slots.finished);
      }
      for (uint64_t index : done) threads.erase(index);  // joins
    };

    for (uint64_t i = 0; i < job->task_count; ++i) {
      uint32_t unit = 0;
      {
        std::unique_lock<std::mutex> lock(slots.mu);
        slots.cv.wait(lock, [&] { return slots.alive < job->concurrency; });
        ++slots.alive;
        unit = slots.units.Take();
      }
      join_finished();
      if (outcome.ShouldStop(job)) {
        std::lock_guard<std::mutex> lock(slots.mu);
        --slots.alive;
        slots.units.Give(unit);
        break;
      }
      try {
        threads.emplace(i, std::jthread(&RunOne, job, i, unit, std::ref(outcome), std::ref(slots)));
      } catch (const std::system_error& e) {
        {
          std::lock_guard<std::mutex> lock(slots.mu);
          --slots.alive;
          slots.units.Give(unit);
        }
        outcome.Fail(PARLAB_ERROR,
                     "task " + std::to_string(i) + ": cannot create a thread: " + e.what());
        break;
      }
    }
    threads.clear();  // joins the rest
    return outcome.Finish(error);
  });
}

}  // namespace
}  // namespace parlab::models

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "threads",
    .version = "1.0.0",
    .description = "One std::thread per task, at most `concurrency` alive at once",
    .max_concurrency = 0,
    .run = &parlab::models::Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};
