/* runner_test_abi_too_new: declares ABI version 2 and puts garbage where version 1 keeps its
 * pointers; a runner that reads anything before checking the version would crash here. */
#include <stdint.h>

#include "parlab/model_abi.h"

typedef struct {
  uint32_t abi_version;
  uintptr_t junk[8];
} future_entry_t;

PARLAB_EXPORT const future_entry_t parlab_model_entry = {2u, {1, 2, 3, 4, 5, 6, 7, 8}};
