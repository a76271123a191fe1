// cli/series_table.hpp: the input of the pipeline: the columns of a CSV file grouped into series.
//
// The file is read once, as a stream (io::csv_stream), keeping only the columns asked for: the
// group keys once per series, the values as numbers and the labels of --x in one text buffer.
// Rows of one series need not be next to each other: series are numbered in order of first
// appearance and keep their rows in file order (a stable grouping). Without --by every row
// belongs to the one series of `spc chart`. A cell that is not a number fails only its series.
//
// With --x, the rows of each series then become points by their x (docs/cli.md, "Order of the
// points"): in x order when every label is a number or a date, in file order for text; rows that
// share an x are one point, combined as the chart table says (counts and denominators summed,
// values averaged, raw measurements of xbar and s summarised into a subgroup), with the file rows
// of each point kept for messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "options.hpp"

namespace spc::cli {

/// A label of --x: a slice of one text buffer, so that ten million labels are not ten million
/// strings.
struct label_ref {
  std::uint64_t offset = 0;
  std::uint32_t size = 0;
};

struct series_table {
  std::string source;                   ///< file name, or "standard input"
  std::vector<double> y, n, sd;         ///< one element per point, series after series
  std::vector<label_ref> x;             ///< labels of --x (empty without --x)
  std::string x_text;                   ///< the labels' text
  std::vector<std::size_t> offsets{0};  ///< S+1 series boundaries
  std::size_t groups = 0;               ///< number of --by columns
  std::vector<std::string> keys;        ///< group values, series by series (`groups` each)
  std::vector<std::string> bad_value;   ///< per series: why it cannot be read, or ""
  /// 1-based file row of each point (empty: point k is row k + 1). For raw subgroups, the first
  /// row of the subgroup; `point_rows` then holds all of them.
  std::vector<std::uint64_t> file_row;
  std::vector<std::size_t> point_rows_offsets;  ///< when rows were combined: point k's rows are
  std::vector<std::uint64_t> point_rows;        ///< point_rows[offsets[k] .. offsets[k+1])
  std::size_t measurements = 0;                 ///< raw subgroups: the rows read
  bool aggregated = false;                      ///< the points were made from rows by x
  row_aggregation aggregation = row_aggregation::mean;  ///< how, when aggregated

  std::size_t series() const noexcept { return offsets.size() - 1; }
  std::size_t rows() const noexcept { return y.size(); }
  std::string_view x_of(std::size_t point) const noexcept {
    return {x_text.data() + x[point].offset, x[point].size};
  }
  std::uint64_t row_in_file(std::size_t point) const noexcept {
    return file_row.empty() ? point + 1 : file_row[point];
  }
  /// "unit=A, indicator=falls": the group values of series s.
  std::string series_name(const command& cmd, std::size_t s) const;
};

/// Reads the file of `cmd` (throws io::csv_error for a file that cannot be read, a missing column
/// or a row with the wrong number of fields; data_error for a file without data rows), then
/// summarises raw subgroups when the request asks for them.
series_table read_series(const command& cmd, const request& req);

}  // namespace spc::cli
