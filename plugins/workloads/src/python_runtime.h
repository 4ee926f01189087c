// Internal: the embedded CPython 3.11 of the `python` workload — one interpreter per process,
// started on first use (outside any timed region), the GIL rules of the models, and the
// built-in module `parlab` whose awaitables become the models' timer and fd waits.
//
//   PARLAB_ASSIGN_OR_RETURN(int64_t init_ns, python::EnsureInterpreter());
//   {
//     python::Gil gil;  // any thread; a model's worker thread gets its own thread state
//     ... Python C API ...
//   }
//
// The GIL: EnsureInterpreter() releases it on the calling (main) thread once Python is up, so
// every task takes it for its own call (PyGILState_Ensure/Release) the way threads do in
// CPython. fork(): pthread_atfork hooks take the GIL and run PyOS_BeforeFork() before every
// fork() of the process, PyOS_AfterFork_Parent()/PyOS_AfterFork_Child() after, so each child of a
// process model has its own interpreter state with a working GIL, as os.fork() does.
#ifndef PARLAB_WORKLOADS_SRC_PYTHON_RUNTIME_H_
#define PARLAB_WORKLOADS_SRC_PYTHON_RUNTIME_H_

// clang-format off
#define PY_SSIZE_T_CLEAN
#include <Python.h>  // first, as CPython requires
// clang-format on

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace parlab::workloads::python {

// Starts the interpreter unless this process already has one (the first call, on the thread
// that will later fork: the runner's main thread). Returns the nanoseconds the start took (0 when
// it was already up). After it returns no thread holds the GIL.
[[nodiscard]] absl::StatusOr<int64_t> EnsureInterpreter();

// Holds the GIL for its scope on the calling thread (PyGILState_Ensure/Release): reentrant.
class Gil {
 public:
  Gil() : state_(PyGILState_Ensure()) {}
  ~Gil() { PyGILState_Release(state_); }
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  PyGILState_STATE state_;
};

// Owning reference; nullptr allowed. Destroy only with the GIL held.
class Ref {
 public:
  Ref() = default;
  explicit Ref(PyObject* owned) : p_(owned) {}
  static Ref Borrow(PyObject* p) {
    Py_XINCREF(p);
    return Ref(p);
  }
  Ref(Ref&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  Ref& operator=(Ref&& other) noexcept {
    if (this != &other) {
      Py_XDECREF(p_);
      p_ = other.p_;
      other.p_ = nullptr;
    }
    return *this;
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref() { Py_XDECREF(p_); }
  PyObject* get() const { return p_; }
  PyObject* release() {
    PyObject* p = p_;
    p_ = nullptr;
    return p;
  }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  PyObject* p_ = nullptr;
};

// The pending Python exception as "Type: message" followed by the last traceback lines
// ("at FILE:LINE in FUNC: CODE"), and clears it. GIL held. "unknown Python error" if none.
std::string TakeException();

// The module `parlab` (GIL held): sleep(s), readable(fd), writable(fd), and the helpers the
// workload loads user code with (_load, _inspect). Borrowed; lives as long as the interpreter.
PyObject* ParlabModule();

// str(obj), shortened to `max` bytes; for error messages. GIL held.
std::string Repr(PyObject* obj, size_t max = 80);

}  // namespace parlab::workloads::python

#endif  // PARLAB_WORKLOADS_SRC_PYTHON_RUNTIME_H_
