/* parlab model plugin ABI — the only thing a model plugin and the parlab runner share.
 *
 * A model plugin is a shared library that exports exactly one symbol:
 *
 *     PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
 *         .abi_version = PARLAB_ABI_VERSION,
 *         .name = "thread_pool", .version = "1.0.0",
 *         .description = "N threads pulling tasks from a queue",
 *         .max_concurrency = 0,
 *         .run = &run,
 *     };
 *
 * The runner dlopens the plugin, reads `abi_version` FIRST and refuses the plugin unless it is
 * one it supports; only then does it touch any other field. (The design follows CLAP: one
 * entry symbol, version first, plain C types, ownership and threading stated per function.)
 *
 * The runner calls run() once per repetition, on its main thread. run() executes every task
 * of the job — task indices 0 .. job->task_count-1, each exactly once — keeping at most
 * job->concurrency execution units (threads, processes, coroutines, ...) alive at once, and
 * returns when all tasks are done, one failed, or the job was cancelled. (A model that declares
 * PARLAB_BOUNDS_THREADS bounds OS threads instead: see concurrency_bounds.)
 *
 * A task is reached in one of two forms; a model uses whichever suits it:
 *  - blocking: job->run_task() runs the task to completion on the calling thread, blocking
 *    the thread for any waits (sleep, I/O). Thread and process models use this.
 *  - stepping: job->step_task() advances the task until it has to wait, and tells the model
 *    what it waits for (a timer or a file descriptor). The model waits however it likes (an
 *    event loop, a fiber scheduler) and calls step_task() again. Coroutine models use this,
 *    so that an I/O-bound task suspends the coroutine rather than blocking the thread.
 * Both forms verify the task's result; a wrong result is an error, never a timing.
 *
 * Compatibility policy: a published struct is never changed. Fields are appended only with a
 * new PARLAB_ABI_VERSION; a host supports a range of versions and reads only the fields that
 * exist in the plugin's version. The versions:
 *  1: parlab_model_entry_t = abi_version, name, version, description, max_concurrency, run
 *       (it ENDS after run);
 *     parlab_job_t = task_count, concurrency, host, run_task, step_task, is_cancelled, log.
 *  2: appends parlab_model_entry_t.concurrency_bounds and parlab_job_t.bind_unit.
 * A host reading a version-1 entry never reads past `run`: for it concurrency_bounds is
 * PARLAB_BOUNDS_TASKS. The job struct is the host's, so the host always allocates the newest
 * one and fills every field, whatever the plugin's version: a version-1 plugin's view of it
 * is a prefix, and a version-2 plugin finds bind_unit non-NULL.
 *
 * This header compiles as C11 and as C++20.
 */
#ifndef PARLAB_MODEL_ABI_H_
#define PARLAB_MODEL_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes (see the compatibility policy above for what each
 * version holds). */
#define PARLAB_ABI_VERSION 2u

/* The name of the one symbol a plugin exports. */
#define PARLAB_MODEL_ENTRY_SYMBOL "parlab_model_entry"

#if defined(__GNUC__)
#define PARLAB_EXPORT __attribute__((visibility("default")))
#else
#define PARLAB_EXPORT
#endif

/* Status codes returned by the functions below. */
enum {
  PARLAB_OK = 0,
  PARLAB_ERROR = 1,    /* the task or the model failed; see the error message */
  PARLAB_CANCELLED = 2 /* the job was cancelled before the task finished */
};

/* Results of step_task(). */
enum {
  PARLAB_STEP_DONE = 0, /* the task finished and its result verified */
  PARLAB_STEP_WAIT = 1, /* the task waits: see the parlab_wait_t it filled in */
  PARLAB_STEP_ERROR = 2 /* the task failed; the error was filled in */
};

/* What `concurrency` bounds for a model (parlab_model_entry_t.concurrency_bounds). */
enum {
  /* At most `concurrency` tasks are in flight (started and not finished) at once, and at most
   * that many execution units (threads, processes, coroutines) run them. The default. */
  PARLAB_BOUNDS_TASKS = 0,
  /* At most `concurrency` OS threads run tasks; many more tasks may be in flight at once,
   * multiplexed on those threads (coroutines_mt, fibers: like an event loop per thread). */
  PARLAB_BOUNDS_THREADS = 1
};

/* What a stepped task waits for before its next step. */
enum {
  PARLAB_WAIT_TIMER = 0,    /* wait `timeout_ns` nanoseconds */
  PARLAB_WAIT_READABLE = 1, /* wait until `fd` is readable (or `timeout_ns` passed, if > 0) */
  PARLAB_WAIT_WRITABLE = 2  /* wait until `fd` is writable (or `timeout_ns` passed, if > 0) */
};

typedef struct parlab_wait {
  uint32_t kind;       /* PARLAB_WAIT_* */
  int32_t fd;          /* for READABLE / WRITABLE */
  uint64_t timeout_ns; /* TIMER: the duration; fd waits: 0 = no timeout */
} parlab_wait_t;

/* A fixed-size error message, so that process models can copy it through a pipe or shared
 * memory as plain bytes. UTF-8, NUL-terminated, truncated to fit. */
#define PARLAB_ERROR_CAPACITY 512
typedef struct parlab_error {
  char message[PARLAB_ERROR_CAPACITY];
} parlab_error_t;

typedef struct parlab_job parlab_job_t;

/* The job a model runs; owned by the runner, valid for the duration of run(). Allocated by the
 * runner at the newest version with every field set (none is NULL), so a plugin of any
 * version may read every field its own header declares. */
struct parlab_job {
  /* Number of tasks; run() must complete indices 0 .. task_count-1, each once. */
  uint64_t task_count;

  /* The most execution units the model may keep alive at once (>= 1); for a model whose entry
   * says PARLAB_BOUNDS_THREADS, the most OS threads running tasks. */
  uint32_t concurrency;

  /* Opaque runner state; plugins must not touch it. */
  void* host;

  /* [thread-safe, fork-safe] Runs task `index` to completion on the calling thread. Returns
   * PARLAB_OK, or PARLAB_ERROR / PARLAB_CANCELLED with `error` filled in. May be called in a
   * child process forked by the model after run() was entered; such a child must report the
   * outcome back to its parent and end with _exit(). */
  int32_t (*run_task)(const parlab_job_t* job, uint64_t index, parlab_error_t* error);

  /* [thread-safe; one task is stepped by one thread at a time] Advances task `index`.
   * `*state` must be NULL on the first call for a task; the runner stores its per-task state
   * there and frees it when it returns PARLAB_STEP_DONE or PARLAB_STEP_ERROR (after which the
   * task must not be stepped again). On PARLAB_STEP_WAIT the model waits as `wait` says, then
   * steps again with the same `state`. */
  int32_t (*step_task)(const parlab_job_t* job, uint64_t index, void** state, parlab_wait_t* wait,
                       parlab_error_t* error);

  /* [thread-safe] Non-zero once the job is cancelled; models check it between tasks and stop
   * starting new ones, returning PARLAB_CANCELLED. */
  int32_t (*is_cancelled)(const parlab_job_t* job);

  /* [thread-safe] Writes `message` (NUL-terminated UTF-8, without a trailing newline) as one
   * line to the runner's stderr, the job's log, prefixed with the model's name. Never NULL: a
   * plugin may call it unchecked. A NULL `message` is ignored. */
  void (*log)(const parlab_job_t* job, const char* message);

  /* Since ABI version 2. [thread-safe, fork-safe] Pins the calling thread (in a forked child:
   * the child process) to the PU the plan's `affinity` gives execution unit `unit` (0-based:
   * the model's worker thread, process or OS thread number, below `concurrency`). A no-op under
   * affinity "none". Never NULL. Models call it at the start of each unit; one that does not
   * still runs inside the cpuset the runner binds the whole job to. The runner allocates the
   * job struct and always sets this field, so a version-1 plugin (which does not know it)
   * never reads past its own view of the struct. */
  void (*bind_unit)(const parlab_job_t* job, uint32_t unit);
};

/* The exported entry; a plugin defines it as a const global named parlab_model_entry. The
 * plugin owns it, so its size is the plugin's version's: a host must not read a field the
 * entry's abi_version does not have (see the compatibility policy above). */
typedef struct parlab_model_entry {
  uint32_t abi_version;     /* PARLAB_ABI_VERSION the plugin was built against: FIRST field */
  const char* name;         /* unique model name, [a-z0-9_]+ */
  const char* version;      /* the plugin's own version, e.g. "1.0.0" */
  const char* description;  /* one line */
  uint32_t max_concurrency; /* 0: unbounded; 1: sequential by nature (runs at concurrency 1) */

  /* [main-thread] Runs every task of `job` (see the top of this file). Called on the runner's
   * main thread, once per repetition. Returns PARLAB_OK when every task completed, else
   * PARLAB_ERROR or PARLAB_CANCELLED with `error` filled in (for a failed task, name its index).
   * Every unit the model started (thread, process, ...) must have ended before run() returns. */
  int32_t (*run)(const parlab_job_t* job, parlab_error_t* error);

  /* Since ABI version 2. PARLAB_BOUNDS_*: what `concurrency` limits. A version-1 entry ends
   * before it, and the host reads its bound as PARLAB_BOUNDS_TASKS; an entry that leaves it out
   * of its initializer gets the same. `parlab models validate` checks the bound the model
   * declares. */
  uint32_t concurrency_bounds;
} parlab_model_entry_t;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PARLAB_MODEL_ABI_H_ */
