// The one text-table writer of the report library: the table, compare and METG sections print
// aligned columns with it, the Markdown reporters a GitHub table. Private to report/.
//
//   TextTable table{.titles = {"model", "median"}, .right = {false, true}};
//   table.rows.push_back({"threads", "1.23 ms"});
//   WriteAlignedText(table, out);   // "model    median\nthreads  1.23 ms\n"
#ifndef PARLAB_REPORT_SRC_TEXT_TABLE_H_
#define PARLAB_REPORT_SRC_TEXT_TABLE_H_

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace parlab::report {

struct TextTable {
  std::vector<std::string> titles;
  std::vector<bool> right;  // right-aligned columns; missing entries are left-aligned
  std::vector<std::vector<std::string>> rows;
};

// Columns are padded by what a terminal shows, not by bytes: "±" is two bytes in UTF-8.
size_t DisplayWidth(const std::string& text);

// A Markdown table cell: a "|" would end the cell, a line break the row.
std::string MarkdownCell(const std::string& text);

// Titles, then rows; columns two spaces apart, no trailing blanks. Columns before
// `first_column` are left out (the machine column when there is one machine).
void WriteAlignedText(const TextTable& table, std::ostream& out, size_t first_column = 0);

// A GitHub-flavoured table (cells as given: escape them with MarkdownCell first), columns at
// least three wide, right-aligned ones marked "---:".
void WriteMarkdownTable(const TextTable& table, std::ostream& out);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_SRC_TEXT_TABLE_H_
