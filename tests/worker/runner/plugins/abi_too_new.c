/* runner_test_abi_too_new: declares the ABI version after the newest this runner supports and
 * puts garbage where the supported versions keep their pointers; a runner that reads anything
 * before checking the version would crash here. */
#include <stdint.h>

#include "parlab/model_abi.h"

typedef struct {
  uint32_t abi_version;
  uintptr_t junk[8];
} future_entry_t;

PARLAB_EXPORT const future_entry_t parlab_model_entry = {PARLAB_ABI_VERSION + 1u,
                                                         {1, 2, 3, 4, 5, 6, 7, 8}};
