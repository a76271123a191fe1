// io/csv.hpp: a small CSV reader and writer for the command line and the tests.
// Not part of the public library: I/O stays out of the core headers.
//
// Reading keeps only the columns asked for (as strings or parsed numbers), so a file of ten
// million rows costs the memory of those columns, not of the file.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace spc::io {

/// A problem in a CSV file, with its 1-based data row (the header is row 0), the column and what
/// is wrong. `what()` is a complete sentence for the user.
class csv_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A table read from a CSV file: the header, and the requested columns as text.
struct csv_table {
  std::vector<std::string> header;              ///< every column name in the file
  std::vector<std::string> names;               ///< the columns kept, in the order asked
  std::vector<std::vector<std::string>> cells;  ///< cells[k][row] for names[k]
  std::size_t rows = 0;
  std::string source;  ///< file name (or "standard input") for messages

  /// Index of a kept column; throws csv_error "missing column" naming the file and header.
  std::size_t column(std::string_view name) const;
  bool has(std::string_view name) const;
  /// The column parsed as numbers: an empty cell, "NA", "NaN" or "." is missing (NaN); anything
  /// else that is not a number is an error naming the row and column.
  std::vector<double> numbers(std::string_view name) const;
};

/// Reads a CSV file with a header row ("-" = standard input). Fields may be quoted with '"'
/// (doubled quotes inside). `keep` lists the columns to keep; empty = all. Throws csv_error for a
/// missing column or a row with the wrong number of fields.
csv_table read_csv(const std::string& path, const std::vector<std::string>& keep = {});

/// Parses one cell as a number; returns false for text that is not a number. Sets `value` to NaN
/// for a missing cell (empty, NA, NaN, ".").
bool parse_number(std::string_view cell, double& value) noexcept;

/// A buffered CSV writer. Numbers are written with up to 15 significant digits (as the golden
/// files), a missing number as an empty cell, booleans as true/false.
class csv_writer {
 public:
  /// "-" or empty = standard output.
  explicit csv_writer(const std::string& path);
  ~csv_writer();
  csv_writer(const csv_writer&) = delete;
  csv_writer& operator=(const csv_writer&) = delete;

  void header(const std::vector<std::string>& names);
  void field(std::string_view text);   ///< quoted when needed
  void field(double value);            ///< empty when NaN
  void field(long long value);
  void field(bool value);
  void end_row();
  void flush();

 private:
  void separator();
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool first_ = true;
  std::string buffer_;
};

}  // namespace spc::io
