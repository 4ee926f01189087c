#include "parlab/report/escape.h"

#include "absl/strings/str_format.h"

namespace parlab::report {
namespace {

std::string Escape(absl::string_view text, bool keep_lines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n' && keep_lines) {
      out += '\n';
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else if (c == 0xC2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      // A terminal may read U+009B as CSI, the one-character ESC [.
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string EscapeControl(absl::string_view text) { return Escape(text, false); }

std::string EscapeControlKeepLines(absl::string_view text) { return Escape(text, true); }

}  // namespace parlab::report
