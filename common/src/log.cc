#include "parlab/common/log.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_format.h"

namespace parlab::log {
namespace {

std::string& Program() {
  static std::string* program = new std::string("parlab");
  return *program;
}

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || u == 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

}  // namespace

void SetProgram(absl::string_view program) { Program() = std::string(program); }

std::string QuoteValue(absl::string_view value) {
  if (!NeedsQuotes(value)) return std::string(value);
  std::string quoted = "\"";
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      default:
        if (u < ' ' || u == 0x7f) {
          quoted += absl::StrFormat("\\x%02x", u);
        } else {
          quoted += c;
        }
    }
  }
  quoted += '"';
  return quoted;
}

std::string FormatEvent(absl::string_view program, absl::string_view event,
                        std::initializer_list<Field> fields) {
  std::string line = absl::StrCat(program, ": event=", QuoteValue(event));
  for (const Field& field : fields) {
    absl::StrAppend(&line, " ", field.key, "=", QuoteValue(field.value));
  }
  return line;
}

void Event(absl::string_view event, std::initializer_list<Field> fields) {
  std::string line = FormatEvent(Program(), event, fields);
  line += '\n';
  // One write: stderr is unbuffered, and a line written in pieces could interleave with
  // another thread's. A short write (a full pipe) finishes in a loop.
  absl::string_view rest = line;
  while (!rest.empty()) {
    ssize_t written = write(STDERR_FILENO, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    rest.remove_prefix(static_cast<size_t>(written));
  }
}

}  // namespace parlab::log
