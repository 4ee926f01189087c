// python: task i calls `function(arg_i)` of a Python module with CPython 3.11 embedded
// (python_runtime.h), arg_i = from + i (`range: [from, to]`) or args[i] (`args: [...]`). A task
// passes when the call returns without raising and, with `check`, when check(arg, result) is
// true; otherwise it fails with the Python error (type, message, last traceback lines).
//
// Where the GIL is: every task holds it for its own call, as a Python thread does, so CPU-bound
// Python does not scale under thread models while time.sleep and socket I/O (which release it)
// overlap; process models fork() with CPython's fork hooks, so each child has its own GIL.
// An `async def` function is a coroutine: Step() drives it with send(None), and the
// awaitables of the module `parlab` (sleep, readable, writable) become the model's waits; in
// the blocking form (RunTask) the same waits block the thread with the GIL released.
//
// Start-up and import happen in Prepare(), once per runner, outside the timed region; their
// times are in every sample's metrics (python_init_ms, python_import_ms).
#include "parlab/workloads/python.h"

#include "python_runtime.h"  // first: Python.h must precede the standard headers
// clang-format off
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
// clang-format on

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kinds.h"
#include "nlohmann/json.hpp"
#include "parlab/common/clock.h"
#include "parlab/common/status_macros.h"
#include "parlab/workloads/http_server.h"
#include "parlab/workloads/params.h"
#include "timed_hold.h"

namespace parlab::workloads {
namespace {

constexpr char kKind[] = "python";
constexpr int64_t kMaxTasks = 100'000'000;
constexpr int64_t kNsPerS = 1'000'000'000;
constexpr uint64_t kHttpBodyBytes = 64;  // as http.get's default body

std::vector<std::string>& PathStore() {
  static auto* dirs = new std::vector<std::string>();
  return *dirs;
}

std::string RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return "";
  return buffer;
}

// What a task awaits: a parlab.sleep/readable/writable request, parsed.
struct Request {
  uint32_t kind = PARLAB_WAIT_TIMER;
  int32_t fd = -1;
  uint64_t ns = 0;
};

struct PyTask : TaskState {
  python::Ref arg;
  python::Ref coro;
  int64_t deadline_ns = 0;  // of the timer the task waits on; 0: none
  ~PyTask() override {
    if (arg || coro) {
      python::Gil gil;
      arg = python::Ref();
      coro = python::Ref();
    }
  }
};

class Python : public Workload {
 public:
  Python(std::string module, std::string function, std::string check, int64_t from, uint64_t tasks,
         std::string args_json, int64_t http_delay_ms)
      : http_delay_ms_(http_delay_ms),
        module_(std::move(module)),
        function_(std::move(function)),
        check_(std::move(check)),
        from_(from),
        tasks_(tasks),
        args_json_(std::move(args_json)) {}

  // The Python objects it holds go with the GIL held.
  ~Python() override {
    if (function_obj_ || check_obj_ || args_ || token_) {
      python::Gil gil;
      function_obj_ = python::Ref();
      check_obj_ = python::Ref();
      args_ = python::Ref();
      token_ = python::Ref();
    }
  }

  uint64_t task_count() const override { return tasks_; }

  absl::Status Prepare() override {
    PARLAB_ASSIGN_OR_RETURN(path_, ResolvePythonModule(module_, PythonPath()));
    PARLAB_ASSIGN_OR_RETURN(init_ns_, python::EnsureInterpreter());
    // The runner's own HTTP server (http.get's: a C++ thread, no GIL), started before the
    // import so that the module may read parlab.http_url at its top level.
    if (http_delay_ms_ >= 0 && server_ == nullptr) {
      PARLAB_ASSIGN_OR_RETURN(server_,
                              HttpServer::Start({.delay_ms = static_cast<uint64_t>(http_delay_ms_),
                                                 .body_bytes = kHttpBodyBytes}));
    }
    const int64_t start = MonotonicNowNs();
    python::Gil gil;
    PyObject* parlab = python::ParlabModule();
    {
      python::Ref url(server_ != nullptr
                          ? PyUnicode_FromFormat("http://127.0.0.1:%d", int{server_->port()})
                          : python::Ref::Borrow(Py_None).release());
      if (!url || PyObject_SetAttrString(parlab, "http_url", url.get()) != 0) {
        return absl::InternalError("python: cannot set parlab.http_url: " +
                                   python::TakeException());
      }
    }
    python::Ref module(PyObject_CallMethod(parlab, "_load", "s", path_.c_str()));
    if (!module) {
      return absl::InvalidArgumentError(absl::StrCat(FieldName("module"), ": cannot import ", path_,
                                                     ": ", python::TakeException()));
    }
    python::Ref found(PyObject_CallMethod(parlab, "_inspect", "Osss", module.get(), path_.c_str(),
                                          function_.c_str(), check_.c_str()));
    if (!found || !PyTuple_Check(found.get()) || PyTuple_Size(found.get()) != 3) {
      return absl::InternalError(
          absl::StrCat("python: inspecting ", path_, " failed: ", python::TakeException()));
    }
    if (PyObject* error = PyTuple_GetItem(found.get(), 2); error != Py_None) {
      return absl::InvalidArgumentError(python::Repr(error, 1000));
    }
    token_ = python::Ref(PyObject_GetAttrString(parlab, "_TOKEN"));
    function_obj_ = python::Ref::Borrow(PyTuple_GetItem(found.get(), 0));
    check_obj_ = python::Ref::Borrow(PyTuple_GetItem(found.get(), 1));
    if (check_obj_.get() == Py_None) check_obj_ = python::Ref();
    if (!args_json_.empty()) {
      python::Ref json(PyImport_ImportModule("json"));
      if (json)
        args_ = python::Ref(PyObject_CallMethod(json.get(), "loads", "s", args_json_.c_str()));
      if (!args_ || !PyList_Check(args_.get()) ||
          static_cast<uint64_t>(PyList_Size(args_.get())) != tasks_) {
        return absl::InvalidArgumentError(
            absl::StrCat(FieldName("args"), ": not a list of ", tasks_, " values in Python"));
      }
    }
    import_ns_ = MonotonicNowNs() - start;
    prepared_ = true;
    return absl::OkStatus();
  }

  absl::Status RunTask(uint64_t index) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, prepared_));
    python::Gil gil;
    python::Ref arg = Arg(index);
    python::Ref result(PyObject_CallOneArg(function_obj_.get(), arg.get()));
    if (!result) return Raised(index, arg.get());
    if (PyCoro_CheckExact(result.get())) {
      python::Ref coro = std::move(result);
      for (;;) {
        PyObject* out = nullptr;
        const PySendResult sent = PyIter_Send(coro.get(), Py_None, &out);
        python::Ref value(out);
        if (sent == PYGEN_ERROR) return Raised(index, arg.get());
        if (sent == PYGEN_RETURN) {
          result = std::move(value);
          break;
        }
        PARLAB_ASSIGN_OR_RETURN(Request request, ParseRequest(index, arg.get(), value.get()));
        PARLAB_RETURN_IF_ERROR(BlockOn(index, request));
      }
    }
    return Check(index, arg.get(), result.get());
  }

  absl::StatusOr<StepResult> Step(uint64_t index, std::unique_ptr<TaskState>& state,
                                  parlab_wait_t& wait) override {
    PARLAB_RETURN_IF_ERROR(CheckTask(kKind, index, prepared_));
    if (state != nullptr) {
      auto& task = static_cast<PyTask&>(*state);
      // A model may wake a timer early: wait out the rest before the coroutine goes on.
      if (task.deadline_ns != 0) {
        const int64_t now = MonotonicNowNs();
        if (now < task.deadline_ns) {
          wait =
              parlab_wait_t{PARLAB_WAIT_TIMER, -1, static_cast<uint64_t>(task.deadline_ns - now)};
          return StepResult::kWait;
        }
        task.deadline_ns = 0;
      }
    }
    python::Gil gil;
    if (state == nullptr) {
      python::Ref arg = Arg(index);
      python::Ref result(PyObject_CallOneArg(function_obj_.get(), arg.get()));
      if (!result) return Raised(index, arg.get());
      // A plain function ran to completion here, on this thread.
      if (!PyCoro_CheckExact(result.get())) {
        PARLAB_RETURN_IF_ERROR(Check(index, arg.get(), result.get()));
        return StepResult::kDone;
      }
      auto task = std::make_unique<PyTask>();
      task->arg = std::move(arg);
      task->coro = std::move(result);
      state = std::move(task);
    }
    auto& task = static_cast<PyTask&>(*state);
    PyObject* out = nullptr;
    const PySendResult sent = PyIter_Send(task.coro.get(), Py_None, &out);
    python::Ref value(out);
    if (sent == PYGEN_ERROR) return Raised(index, task.arg.get());
    if (sent == PYGEN_RETURN) {
      PARLAB_RETURN_IF_ERROR(Check(index, task.arg.get(), value.get()));
      return StepResult::kDone;
    }
    PARLAB_ASSIGN_OR_RETURN(Request request, ParseRequest(index, task.arg.get(), value.get()));
    wait = parlab_wait_t{request.kind, request.fd, request.ns};
    if (request.kind == PARLAB_WAIT_TIMER) {
      task.deadline_ns = MonotonicNowNs() + static_cast<int64_t>(request.ns);
    }
    return StepResult::kWait;
  }

  Metrics CollectMetrics(const RepetitionTimes&) override {
    return {{"python_init_ms", static_cast<double>(init_ns_) / 1e6},
            {"python_import_ms", static_cast<double>(import_ns_) / 1e6}};
  }

 private:
  // GIL held.
  python::Ref Arg(uint64_t index) const {
    if (args_)
      return python::Ref::Borrow(PyList_GetItem(args_.get(), static_cast<Py_ssize_t>(index)));
    return python::Ref(PyLong_FromLongLong(from_ + static_cast<int64_t>(index)));
  }

  std::string TaskName(uint64_t index, PyObject* arg) const {
    return absl::StrCat(kKind, " task ", index, " (", function_, "(", python::Repr(arg, 40), "))");
  }

  // GIL held, a Python exception pending.
  absl::Status Raised(uint64_t index, PyObject* arg) const {
    const std::string error = python::TakeException();
    return absl::InternalError(absl::StrCat(TaskName(index, arg), ": ", error));
  }

  absl::Status Check(uint64_t index, PyObject* arg, PyObject* result) const {
    if (!check_obj_) return absl::OkStatus();
    python::Ref verdict(PyObject_CallFunctionObjArgs(check_obj_.get(), arg, result, nullptr));
    if (!verdict) {
      const std::string error = python::TakeException();
      return absl::InternalError(
          absl::StrCat(TaskName(index, arg), ": check ", check_, " raised ", error));
    }
    const int truth = PyObject_IsTrue(verdict.get());
    if (truth == 1) return absl::OkStatus();
    if (truth < 0) return Raised(index, arg);
    return absl::InternalError(
        absl::StrCat(TaskName(index, arg), ": check ", check_, "(arg, result) returned ",
                     python::Repr(verdict.get(), 20), " for result ", python::Repr(result, 80)));
  }

  // GIL held. The request a parlab awaitable yielded, or an error naming what was awaited.
  absl::StatusOr<Request> ParseRequest(uint64_t index, PyObject* arg, PyObject* yielded) const {
    if (yielded == nullptr || !PyTuple_CheckExact(yielded) || PyTuple_Size(yielded) != 4 ||
        PyTuple_GetItem(yielded, 0) != token_.get()) {
      return absl::InvalidArgumentError(absl::StrCat(
          TaskName(index, arg), ": awaited something that yielded ", python::Repr(yielded, 60),
          "; under parlab a task may await only parlab.sleep, parlab.readable and "
          "parlab.writable (asyncio's awaitables need asyncio's loop)"));
    }
    Request request;
    request.kind = static_cast<uint32_t>(PyLong_AsLong(PyTuple_GetItem(yielded, 1)));
    request.fd = static_cast<int32_t>(PyLong_AsLong(PyTuple_GetItem(yielded, 2)));
    const double seconds = PyFloat_AsDouble(PyTuple_GetItem(yielded, 3));
    if (PyErr_Occurred()) return Raised(index, arg);
    request.ns = seconds > 0 ? static_cast<uint64_t>(std::llround(seconds * kNsPerS)) : 0;
    return request;
  }

  // GIL held on entry and exit; released while the thread blocks (the blocking form).
  absl::Status BlockOn(uint64_t index, const Request& request) const {
    absl::Status status;
    Py_BEGIN_ALLOW_THREADS;
    if (request.kind == PARLAB_WAIT_TIMER) {
      status = SleepUntil(kKind, index, MonotonicNowNs() + static_cast<int64_t>(request.ns));
    } else {
      pollfd p{request.fd,
               static_cast<int16_t>(request.kind == PARLAB_WAIT_READABLE ? POLLIN : POLLOUT), 0};
      const int timeout_ms =
          request.ns == 0 ? -1 : static_cast<int>((request.ns + 999'999) / 1'000'000);
      int rc = 0;
      do {
        rc = poll(&p, 1, timeout_ms);
      } while (rc < 0 && errno == EINTR);
      if (rc < 0) {
        status = absl::InternalError(absl::StrCat(kKind, " task ", index, ": poll(fd ", request.fd,
                                                  ") failed: errno ", errno));
      }
    }
    Py_END_ALLOW_THREADS;
    return status;
  }

  int64_t http_delay_ms_;               // < 0: no server
  std::unique_ptr<HttpServer> server_;  // stops and joins its thread when the workload goes
  std::string module_, function_, check_;
  int64_t from_;
  uint64_t tasks_;
  std::string args_json_;
  std::string path_;
  bool prepared_ = false;
  int64_t init_ns_ = 0, import_ns_ = 0;
  // Owned for the workload's life; released with the GIL held (~Python).
  python::Ref function_obj_, check_obj_, args_, token_;
};

absl::StatusOr<std::string> RequiredString(const ParamReader::ParamMap& params,
                                           const std::string& name) {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldName(name), ": required by the python workload"));
  }
  return it->second;
}

bool IsIdentifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<Workload>> Create(const v1::WorkloadSpec& spec) {
  const auto& params = spec.params();
  PARLAB_ASSIGN_OR_RETURN(
      ParamReader reader,
      ParamReader::Create(kKind, params,
                          {"module", "function", "range", "args", "check", "http_delay_ms"}));
  PARLAB_ASSIGN_OR_RETURN(int64_t http_delay_ms, reader.Int("http_delay_ms", -1));
  if (params.contains("http_delay_ms")) {
    PARLAB_RETURN_IF_ERROR(RequireInRange("http_delay_ms", http_delay_ms, 0, 60'000));
  }
  PARLAB_ASSIGN_OR_RETURN(std::string module, RequiredString(params, "module"));
  if (!absl::EndsWith(module, ".py")) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldName("module"), ": must name a .py file, got \"", module, "\""));
  }
  PARLAB_ASSIGN_OR_RETURN(std::string function, RequiredString(params, "function"));
  if (!IsIdentifier(function)) {
    return absl::InvalidArgumentError(absl::StrCat(
        FieldName("function"), ": must be a Python identifier, got \"", function, "\""));
  }
  std::string check;
  if (auto it = params.find("check"); it != params.end()) {
    check = it->second;
    if (!IsIdentifier(check)) {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldName("check"), ": must be a Python identifier, got \"", check, "\""));
    }
  }
  const bool has_range = params.contains("range");
  const bool has_args = params.contains("args");
  if (has_range == has_args) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plan.workload.params: python needs exactly one of range [from, to] (task i gets "
        "from+i) and args [...] (task i gets args[i]), got ",
        has_range ? "both" : "neither"));
  }
  if (has_range) {
    const std::string& text = params.at("range");
    const nlohmann::json range = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!range.is_array() || range.size() != 2 || !range[0].is_number_integer() ||
        !range[1].is_number_integer()) {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldName("range"), ": must be [from, to] with two integers, got ", text));
    }
    const int64_t from = range[0].get<int64_t>();
    const int64_t to = range[1].get<int64_t>();
    if (to <= from) {
      return absl::InvalidArgumentError(absl::StrCat(
          FieldName("range"), ": to must be greater than from (", from, "), got ", to));
    }
    if (to - from > kMaxTasks) {
      return absl::InvalidArgumentError(
          absl::StrCat(FieldName("range"), ": at most ", kMaxTasks, " tasks, got ", to - from));
    }
    return std::make_unique<Python>(std::move(module), std::move(function), std::move(check), from,
                                    static_cast<uint64_t>(to - from), "", http_delay_ms);
  }
  const std::string& text = params.at("args");
  const nlohmann::json args = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!args.is_array() || args.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        FieldName("args"), ": must be a non-empty array (task i gets args[i]), got ", text));
  }
  return std::make_unique<Python>(std::move(module), std::move(function), std::move(check), 0,
                                  args.size(), text, http_delay_ms);
}

}  // namespace

void SetPythonPath(std::vector<std::string> dirs) { PathStore() = std::move(dirs); }
const std::vector<std::string>& PythonPath() { return PathStore(); }

absl::StatusOr<std::string> ResolvePythonModule(absl::string_view module_view,
                                                const std::vector<std::string>& dirs) {
  const std::string module(module_view);
  if (!absl::EndsWith(module, ".py")) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldName("module"), ": must name a .py file, got \"", module, "\""));
  }
  if (dirs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        FieldName("module"), ": \"", module,
        "\": this worker allows Python code from no directory (start parlab-worker with "
        "--python-path DIR)"));
  }
  const std::string listed = absl::StrJoin(dirs, ", ");
  bool exists_outside = false;
  for (const std::string& dir : dirs) {
    const std::string real_dir = RealPath(dir);
    if (real_dir.empty()) continue;
    const std::string candidate = module[0] == '/' ? module : dir + "/" + module;
    const std::string real = RealPath(candidate);
    if (real.empty()) continue;
    if (absl::StartsWith(real, real_dir == "/" ? real_dir : real_dir + "/")) return real;
    exists_outside = true;
  }
  if (exists_outside) {
    return absl::PermissionDeniedError(absl::StrCat(
        FieldName("module"), ": \"", module,
        "\" is outside the directories this worker allows Python code from (", listed, ")"));
  }
  return absl::NotFoundError(
      absl::StrCat(FieldName("module"), ": no file \"", module, "\" in ", listed));
}

WorkloadKind PythonKind() {
  WorkloadCapabilities capabilities;
  capabilities.worker_check = true;
  return MakeKind(
      kKind, "1.0.0",
      "a Python function per task (CPython 3.11 embedded; the GIL as in CPython): task i calls "
      "function(from+i) or function(args[i]); async def tasks await parlab.sleep/readable/"
      "writable",
      "module (a .py file in the worker's --python-path, or the plan's folder locally); "
      "function (name); range ([from, to]: task i gets from+i) or args ([...]: task i gets "
      "args[i]); check (name of check(arg, result) -> bool; default none: a task passes when it "
      "returns without raising); http_delay_ms (integer, default none, 0..60000: start http.get's "
      "server in the runner, answering GET /task/<i> after that delay, at parlab.http_url)",
      &Create, capabilities);
}

}  // namespace parlab::workloads
