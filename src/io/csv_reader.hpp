// io/csv_reader.hpp: the one CSV reader of the command line and the tests.
//
// Not part of the public library: I/O stays out of the core headers. A file is read as a stream:
// a buffer of a few megabytes is refilled from the file and each record's fields are views into
// it, so that the caller keeps only the columns it needs (parsed numbers, labels) and never the
// file. `read_csv` is the same reader keeping the asked columns as text, for small files and tests.
//
// The dialect (csv_dialect): a header row, one separator between fields, fields optionally quoted
// with '"' (doubled quotes inside, separators and line ends allowed inside quotes), CR LF or LF
// line ends, blank lines skipped wherever they are (before the header too), a UTF-8 byte-order
// mark ignored. Missing numbers: an empty cell, NA, NaN, nan, ".", NULL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace spc::io {

/// A problem in a CSV file (it cannot be opened or read, a column is missing, a row has the wrong
/// number of fields, a cell is not a number), worded for the user: `what()` names the file, and
/// the row (1-based data row; the header is row 0) and column where there is one.
class csv_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// How a CSV file is written: the one description shared by the reader and the writer.
struct csv_dialect {
  char separator = ',';
};

/// Parses one cell as a number; returns false for text that is not a number. Sets `value` to NaN
/// for a missing cell (empty, NA, NaN, nan, ".", NULL). Blanks around the number are ignored.
bool parse_number(std::string_view cell, double& value) noexcept;

/// A CSV file read record by record. Throws csv_error (csv.hpp) when the file cannot be opened
/// or has no header.
class csv_stream {
 public:
  /// "-" = standard input. `buffer_size` is the initial buffer (doubled for a longer record);
  /// the tests make it tiny so that records straddle refills.
  explicit csv_stream(const std::string& path, std::size_t buffer_size = std::size_t{4} << 20,
                      csv_dialect dialect = {});
  ~csv_stream();
  csv_stream(const csv_stream&) = delete;
  csv_stream& operator=(const csv_stream&) = delete;

  /// The column names of the header row.
  const std::vector<std::string>& header() const noexcept { return header_; }
  /// The 0-based index of a column, or throws csv_error naming the file and the header.
  std::size_t column(std::string_view name) const;

  /// Reads the next data record (blank lines are skipped); false at the end of the file. The
  /// fields are valid until the next call.
  bool next();
  std::span<const std::string_view> fields() const noexcept { return fields_; }

  /// 1-based number of the current data record (the header is row 0), as read_csv counts rows.
  std::size_t row() const noexcept { return row_; }
  /// 1-based line of the file where the current record starts.
  std::size_t line() const noexcept { return record_line_; }
  /// The file name, or "standard input", for messages.
  const std::string& source() const noexcept { return source_; }
  /// Bytes consumed so far, and the file's size (0 when unknown, e.g. a pipe): for progress.
  std::uint64_t bytes_read() const noexcept { return consumed_; }
  std::uint64_t file_size() const noexcept { return file_size_; }

 private:
  bool refill();                                 // more bytes at the end of the buffer; false at EOF
  bool parse_record(std::size_t& end_of_record);  // false when the record runs past the buffer

  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool eof_ = false;
  csv_dialect dialect_;
  std::string source_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes: buffer_[begin_, end_)
  std::vector<std::string_view> fields_;
  std::deque<std::string> unquoted_;  // unescaped quoted fields (a deque: views stay valid)
  std::vector<std::string> header_;
  std::size_t row_ = 0, line_ = 1, record_line_ = 1, record_lines_ = 0;
  std::uint64_t consumed_ = 0, file_size_ = 0;
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
  /// The column parsed as numbers (parse_number); anything that is not a number is an error
  /// naming the row and column.
  std::vector<double> numbers(std::string_view name) const;
};

/// Reads a CSV file ("-" = standard input) with csv_stream, keeping the columns in `keep` (empty:
/// all) as text. Throws csv_error for a missing column or a row with the wrong number of fields.
csv_table read_csv(const std::string& path, const std::vector<std::string>& keep = {});

}  // namespace spc::io
