// crash_segv (test-only): runs task 0, then writes through a null pointer, so the process
// running it dies by SIGSEGV — for testing that a crashing plugin fails only its own job.
#include "parlab/model_abi.h"

namespace {

// no_sanitize("null"): in the ASan + UBSan build UBSan would catch the store first and exit 1
// with a report; the test needs the real SIGSEGV that a crashing plugin causes.
__attribute__((no_sanitize("null"))) int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  if (job->task_count > 0) job->run_task(job, 0, error);
  // Both volatile: the pointer so that the compiler cannot prove it null (and emit a trap,
  // SIGILL, instead), the pointee so that the store is not dropped as dead.
  volatile int* volatile null_pointer = nullptr;
  *null_pointer = 1;
  return PARLAB_ERROR;  // not reached
}

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "crash_segv",
    .version = "1.0.0",
    .description = "Test-only: runs task 0, then dies by SIGSEGV",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};
