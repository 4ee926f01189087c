// wrong_abi (test-only): a complete, otherwise valid entry whose abi_version is 999, which no
// runner supports. A host must read abi_version first and refuse the plugin.
#include "parlab/model_abi.h"

namespace {

constexpr uint32_t kUnsupportedAbiVersion = 999;

int32_t Run(const parlab_job_t*, parlab_error_t*) { return PARLAB_OK; }

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = kUnsupportedAbiVersion,
    .name = "wrong_abi",
    .version = "1.0.0",
    .description = "Test-only: declares the unsupported ABI version 999",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};
