#include "python_runtime.h"

#include <pthread.h>

#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "parlab/common/clock.h"
#include "parlab/common/sanitizers.h"

namespace parlab::workloads::python {
namespace {

// The module `parlab`, in Python: what a task awaits, and the loader the workload uses. An
// awaitable yields one request tuple (token, kind, fd, seconds) that the workload turns into a
// parlab_wait_t; kinds are PARLAB_WAIT_TIMER/READABLE/WRITABLE.
constexpr char kParlabSource[] = R"PY(
"""parlab's awaitables for `async def` tasks of the python workload.

    async def fetch(i):
        await parlab.sleep(0.1)          # the model's timer wait
        await parlab.readable(sock)      # the model's fd wait (an int fd or an object with fileno())

Under coroutines, coroutines_mt and fibers these suspend the task and let the model run others;
under the other models they block the task's thread with the GIL released."""
import importlib.util as _ilu
import inspect as _insp
import os as _os
import sys as _sys

_TOKEN = object()


class _Wait:
    __slots__ = ("_request",)

    def __init__(self, kind, fd, seconds):
        self._request = (_TOKEN, kind, fd, seconds)

    def __await__(self):
        yield self._request


def sleep(seconds):
    """Awaitable: wait `seconds` seconds."""
    s = float(seconds)
    if not (0.0 <= s <= 3600.0):
        raise ValueError(f"parlab.sleep: seconds must be in [0, 3600], got {seconds!r}")
    return _Wait(0, -1, s)


def _fd(fd):
    fd = fd if isinstance(fd, int) else fd.fileno()
    if fd < 0:
        raise ValueError(f"parlab: a file descriptor must be >= 0, got {fd}")
    return fd


def readable(fd, timeout=0.0):
    """Awaitable: wait until fd is readable (timeout seconds > 0: at most that long)."""
    return _Wait(1, _fd(fd), float(timeout))


def writable(fd, timeout=0.0):
    """Awaitable: wait until fd is writable (timeout seconds > 0: at most that long)."""
    return _Wait(2, _fd(fd), float(timeout))


def _load(path):
    stem = _os.path.splitext(_os.path.basename(path))[0]
    name = stem if stem not in _sys.modules else "parlab_user_" + stem
    folder = _os.path.dirname(path)
    if folder not in _sys.path:
        _sys.path.insert(0, folder)
    spec = _ilu.spec_from_file_location(name, path)
    module = _ilu.module_from_spec(spec)
    _sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del _sys.modules[name]
        raise
    return module


def _signature_error(fn, args, what):
    try:
        _insp.signature(fn).bind(*args)
    except TypeError as e:
        return f"{what} must accept {len(args)} positional argument(s): {e}"
    except ValueError:
        pass  # no signature to inspect (a builtin): it is called and may fail then
    return None


def _inspect(module, path, function, check):
    """(function, check or None, error message or None)."""
    fn = getattr(module, function, None)
    if fn is None or not callable(fn):
        return None, None, (f"plan.workload.params.function: {path} has no function {function!r}")
    err = _signature_error(fn, (0,), f"plan.workload.params.function: {function}{_sig(fn)} in {path}")
    if err:
        return None, None, err
    ck = None
    if check:
        ck = getattr(module, check, None)
        if ck is None or not callable(ck):
            return None, None, f"plan.workload.params.check: {path} has no function {check!r}"
        err = _signature_error(ck, (0, 0), f"plan.workload.params.check: {check}{_sig(ck)} in {path} "
                               "(arg, result)")
        if err:
            return None, None, err
    return fn, ck, None


def _sig(fn):
    try:
        return str(_insp.signature(fn))
    except (TypeError, ValueError):
        return "(...)"


def _format(exc):
    import traceback
    head = "".join(traceback.format_exception_only(type(exc), exc)).strip().replace("\n", " ")
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    tail = "; ".join(f"at {_os.path.basename(f.filename)}:{f.lineno} in {f.name}"
                     + (f": {f.line.strip()}" if f.line else "") for f in reversed(frames))
    return head + (f" ({tail})" if tail else "")
)PY";

PyObject* g_parlab = nullptr;  // the module, owned for the interpreter's lifetime
std::once_flag g_once;
absl::Status g_init_status;
int64_t g_init_ns = 0;

// The fork hooks act only for a fork() of a thread that does not hold the GIL: a model's fork
// from the runner. A fork from Python code (os.fork, multiprocessing, subprocess) runs with the
// GIL held and does CPython's own PyOS_BeforeFork/AfterFork; doing them twice would run the
// os.register_at_fork callbacks twice (and subprocess's child must only exec).
thread_local bool t_fork_hooked = false;
thread_local PyGILState_STATE t_fork_state{};

void BeforeFork() {
  t_fork_hooked = PyGILState_Check() == 0;
  if (!t_fork_hooked) return;
  t_fork_state = PyGILState_Ensure();
  PyOS_BeforeFork();
}
void AfterForkParent() {
  if (!t_fork_hooked) return;
  t_fork_hooked = false;
  PyOS_AfterFork_Parent();
  PyGILState_Release(t_fork_state);
}
void AfterForkChild() {
  if (!t_fork_hooked) return;
  t_fork_hooked = false;
  PyOS_AfterFork_Child();
  PyGILState_Release(t_fork_state);
}

absl::Status StatusFromPyStatus(const PyStatus& status, const char* what) {
  if (!PyStatus_Exception(status)) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      "python: ", what, " failed: ", status.err_msg != nullptr ? status.err_msg : "?",
      status.func != nullptr ? " in " : "", status.func != nullptr ? status.func : ""));
}

absl::Status Start() {
  if (Py_IsInitialized()) {
    return absl::FailedPreconditionError("python: this process already runs an interpreter");
  }
#if defined(PARLAB_ASAN)
  // ASan builds: every Python object from malloc, which LeakSanitizer scans. pymalloc's arenas
  // are mmap'ed, so LSan cannot see the pointers they hold and called the objects they keep
  // alive leaked (PYTHONMALLOC=malloc would do the same, but the isolated config ignores it).
  PyPreConfig preconfig;
  PyPreConfig_InitIsolatedConfig(&preconfig);
  preconfig.allocator = PYMEM_ALLOCATOR_MALLOC;
  if (absl::Status s = StatusFromPyStatus(Py_PreInitialize(&preconfig), "Py_PreInitialize");
      !s.ok()) {
    return s;
  }
#endif
  PyConfig config;
  // Isolated: PYTHONPATH, PYTHONHOME and the user's site directory do not reach the runner, so
  // the only code a task can import is the standard library, Debian's dist-packages and the
  // allowed directories.
  PyConfig_InitIsolatedConfig(&config);
  config.install_signal_handlers = 0;  // the runner owns SIGTERM/SIGINT (cancel)
  config.parse_argv = 0;
  config.buffered_stdio = 0;  // a task's print() reaches the job's log at once
  // No __pycache__ written into the folders code comes from: a worker only reads them.
  config.write_bytecode = 0;
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (absl::Status s = StatusFromPyStatus(status, "Py_InitializeFromConfig"); !s.ok()) return s;

  // `parlab` as a real module in sys.modules, so that `import parlab` finds it.
  PyObject* module = PyImport_AddModule("parlab");  // borrowed
  if (module == nullptr) return absl::InternalError("python: " + TakeException());
  PyObject* globals = PyModule_GetDict(module);  // borrowed
  if (PyDict_GetItemString(globals, "__builtins__") == nullptr) {
    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  }
  Ref ran(PyRun_String(kParlabSource, Py_file_input, globals, globals));
  if (!ran) return absl::InternalError("python: the module parlab failed: " + TakeException());
  Py_INCREF(module);
  g_parlab = module;

  if (int err = pthread_atfork(&BeforeFork, &AfterForkParent, &AfterForkChild); err != 0) {
    return absl::InternalError(absl::StrCat("python: pthread_atfork failed: error ", err));
  }
  // Every task, on whatever thread, takes the GIL for itself: the main thread lets it go.
  PyEval_SaveThread();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> EnsureInterpreter() {
  bool started_here = false;
  std::call_once(g_once, [&] {
    const int64_t start = MonotonicNowNs();
    g_init_status = Start();
    g_init_ns = MonotonicNowNs() - start;
    started_here = true;
  });
  if (!g_init_status.ok()) return g_init_status;
  return started_here ? g_init_ns : 0;
}

PyObject* ParlabModule() { return g_parlab; }

std::string Repr(PyObject* obj, size_t max) {
  if (obj == nullptr) return "NULL";
  Ref text(PyObject_Str(obj));
  if (!text) {
    PyErr_Clear();
    return "<unprintable>";
  }
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(text.get(), &size);
  if (utf8 == nullptr) {
    PyErr_Clear();
    return "<unprintable>";
  }
  std::string out(utf8, static_cast<size_t>(size));
  if (out.size() > max) out = out.substr(0, max) + "...";
  return out;
}

std::string TakeException() {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &value, &tb);
  if (type == nullptr) return "unknown Python error";
  PyErr_NormalizeException(&type, &value, &tb);
  if (tb != nullptr && value != nullptr) PyException_SetTraceback(value, tb);
  Ref type_ref(type), value_ref(value), tb_ref(tb);
  if (g_parlab != nullptr && value != nullptr) {
    Ref formatted(PyObject_CallMethod(g_parlab, "_format", "O", value));
    if (formatted) return Repr(formatted.get(), 2000);
    PyErr_Clear();
  }
  return absl::StrCat(Repr(type), ": ", Repr(value, 400));
}

}  // namespace parlab::workloads::python
