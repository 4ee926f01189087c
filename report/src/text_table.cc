#include "text_table.h"

#include <algorithm>

#include "absl/strings/str_replace.h"
#include "parlab/report/escape.h"

namespace parlab::report {
namespace {

bool RightAligned(const TextTable& table, size_t column) {
  return column < table.right.size() && table.right[column];
}

std::vector<size_t> Widths(const TextTable& table, size_t minimum) {
  std::vector<size_t> widths(table.titles.size(), minimum);
  auto widen = [&](const std::vector<std::string>& line) {
    for (size_t c = 0; c < line.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(line[c]));
    }
  };
  widen(table.titles);
  for (const auto& row : table.rows) widen(row);
  return widths;
}

std::string Padded(const TextTable& table, const std::vector<size_t>& widths, size_t column,
                   const std::string& cell) {
  std::string pad(widths[column] - DisplayWidth(cell), ' ');
  return RightAligned(table, column) ? pad + cell : cell + pad;
}

// Every cell through EscapeControl, before the widths are measured (an escape is 4 columns).
TextTable Escaped(TextTable table) {
  for (std::string& title : table.titles) title = EscapeControl(title);
  for (auto& row : table.rows) {
    for (std::string& cell : row) cell = EscapeControl(cell);
  }
  return table;
}

}  // namespace

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string MarkdownCell(const std::string& text) {
  return EscapeControl(absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r", " "}, {"\n", " "}}));
}

void WriteAlignedText(const TextTable& raw, std::ostream& out, size_t first_column) {
  const TextTable table = Escaped(raw);
  const std::vector<size_t> widths = Widths(table, 0);
  auto print = [&](const std::vector<std::string>& line) {
    std::string text;
    for (size_t c = first_column; c < line.size(); ++c) {
      if (c > first_column) text += "  ";
      text += Padded(table, widths, c, line[c]);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  };
  print(table.titles);
  for (const auto& row : table.rows) print(row);
}

void WriteMarkdownTable(const TextTable& raw, std::ostream& out) {
  const TextTable table = Escaped(raw);
  const std::vector<size_t> widths = Widths(table, 3);
  auto print = [&](const std::vector<std::string>& line) {
    out << "|";
    for (size_t c = 0; c < line.size(); ++c)
      out << " " << Padded(table, widths, c, line[c]) << " |";
    out << "\n";
  };
  print(table.titles);
  out << "|";
  for (size_t c = 0; c < widths.size(); ++c) {
    const bool right = RightAligned(table, c);
    out << " " << std::string(widths[c] - (right ? 1 : 0), '-') << (right ? ":" : "") << " |";
  }
  out << "\n";
  for (const auto& row : table.rows) print(row);
}

}  // namespace parlab::report
