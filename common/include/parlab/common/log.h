// One structured line per daemon event, on stderr, in logfmt (key=value), so that journald,
// `journalctl -o cat | grep event=run_end` and log shippers read it without a parser of ours.
//
//   parlab::log::SetProgram("parlab-coordinator");
//   parlab::log::Event("run_start", {{"run", run_id}, {"plan", plan.name()}, {"workers", 2}});
//   // parlab-coordinator: event=run_start run=run-20261204-1 plan=cpu-sieve workers=2
//
// A value is written bare when it is a plain word, else in double quotes with `"` and `\`
// escaped; control characters become \n, \t, \r or \xHH, so one event is always one line.
#ifndef PARLAB_COMMON_LOG_H_
#define PARLAB_COMMON_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace parlab::log {

// One key=value pair; numbers are formatted as decimal.
struct Field {
  Field(absl::string_view key, absl::string_view value) : key(key), value(value) {}
  Field(absl::string_view key, const std::string& value) : key(key), value(value) {}
  Field(absl::string_view key, const char* value) : key(key), value(value) {}
  template <typename Number, typename = std::enable_if_t<std::is_arithmetic_v<Number> &&
                                                         !std::is_same_v<Number, bool>>>
  Field(absl::string_view key, Number value) : key(key), value(absl::StrCat(value)) {}

  absl::string_view key;
  std::string value;
};

// The program name every line starts with ("parlab-coordinator"); "parlab" until set. Call once,
// at start-up, before any thread logs.
void SetProgram(absl::string_view program);

// `value` as logfmt writes it: bare, or quoted and escaped.
std::string QuoteValue(absl::string_view value);

// "PROGRAM: event=EVENT key=value ...", without the newline.
std::string FormatEvent(absl::string_view program, absl::string_view event,
                        std::initializer_list<Field> fields);

// Writes FormatEvent(program, ...) and a newline to stderr in one write(2), so lines of
// concurrent threads never interleave. [thread-safe]
void Event(absl::string_view event, std::initializer_list<Field> fields);

}  // namespace parlab::log

#endif  // PARLAB_COMMON_LOG_H_
