// The METG section of a report (results/metg.h computes the curves): a text table after the
// results table, and the words for why a curve has no METG.
//
//   WriteMetgSection(rows, std::cout);   // nothing when no row is swept
//   MetgNoteText(curve.note, curve.points);  // "efficiency < 50% at every point"
#ifndef PARLAB_REPORT_METG_SECTION_H_
#define PARLAB_REPORT_METG_SECTION_H_

#include <ostream>
#include <string>
#include <vector>

#include "parlab/results/aggregate.h"
#include "parlab/results/metg.h"

namespace parlab::report {

// "" for kNone; "METG below the smallest point, 1.0 us" names the smallest granularity.
std::string MetgNoteText(results::MetgNote note, const std::vector<results::MetgPoint>& points);

// The METG section printed after a results table; writes nothing when no row is swept.
void WriteMetgSection(const std::vector<results::ResultRow>& rows, std::ostream& out);

}  // namespace parlab::report

#endif  // PARLAB_REPORT_METG_SECTION_H_
