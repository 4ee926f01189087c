// Text from a plan, a worker or a workload made safe for a terminal: control characters
// (ESC, BEL, CR, backspace, ... and the C1 range) become visible escapes, so a plan named
// "\x1b[2J" cannot clear the screen or forge a line of the report. The table and Markdown
// cells, the plan summary and the CLI's error messages all go through it.
//
//   std::cerr << "parlab: " << report::EscapeControl(status.message()) << "\n";
//   EscapeControl("a\x1b[31mred")  // "a\x1b[31mred" with a visible backslash-x-1-b
#ifndef PARLAB_REPORT_ESCAPE_H_
#define PARLAB_REPORT_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace parlab::report {

// Bytes 0x00-0x1f and 0x7f become "\xNN" (lower-case hex); the UTF-8 C1 controls U+0080-U+009F
// become "\u0080".."\u009f". Everything else, other UTF-8 included, is kept as it is.
std::string EscapeControl(absl::string_view text);

// EscapeControl, but each line break stays one: for messages of several lines.
std::string EscapeControlKeepLines(absl::string_view text);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_ESCAPE_H_
