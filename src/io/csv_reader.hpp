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
#include <optional>
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

/// The text encoding of a file. Output is always UTF-8.
enum class text_encoding : std::uint8_t {
  utf8,         ///< UTF-8, with or without a byte-order mark (the default)
  windows1252,  ///< Windows-1252 (Excel's "ANSI" on Western European Windows)
  latin1,       ///< ISO 8859-1
};

/// "utf-8", "windows-1252", "latin-1"; parse accepts a few common spellings (utf8, cp1252,
/// win1252, iso-8859-1, latin1), case-insensitive.
std::string_view to_string(text_encoding e) noexcept;
std::optional<text_encoding> parse_text_encoding(std::string_view name) noexcept;

/// How a CSV file is written: the one description shared by the reader and the writer.
struct csv_dialect {
  /// Between fields. 0 when reading: detected from the header line (the most frequent of ',',
  /// ';' and tab outside quotes; ',' when there is none).
  char separator = ',';
  char decimal = '.';  ///< the decimal mark of numbers: '.' or ','
  text_encoding encoding = text_encoding::utf8;
};

/// What parse_number made of a cell.
enum class number_status : std::uint8_t {
  number,        ///< a finite number
  missing,       ///< empty, NA, NaN, nan, ".", NULL (with blanks around): NaN, a gap
  not_a_number,  ///< text that is not a number
  out_of_range,  ///< a number beyond the range of a double (e.g. 1e400)
};

/// The spellings of a missing value, for messages and documentation.
inline constexpr std::string_view missing_spellings = "an empty cell, NA, NaN, nan, . or NULL";

/// Parses one cell as a number with the given decimal mark ('.' or ','; with ',' a '.' is not a
/// decimal mark). Blanks around the number are ignored; a leading '+' is allowed. Sets `value`
/// to NaN unless the status is `number`.
number_status parse_number(std::string_view cell, double& value, char decimal) noexcept;
/// The same, true for a number or a missing value.
bool parse_number(std::string_view cell, double& value) noexcept;
/// Whether a cell that is not a number with '.' as the decimal mark is one with ',' (for the
/// hint that names the option).
bool has_decimal_comma(std::string_view cell) noexcept;
/// Why a cell is not a number, for messages: "'abc' is not a number", "'1e400' is beyond the
/// range of a double (about 1.8e308)". `decimal_hint` is appended when the cell has a decimal
/// comma and the dialect's mark is '.'.
std::string number_problem(std::string_view cell, number_status status, char decimal,
                           std::string_view decimal_hint = {});

/// Whether a text is valid UTF-8.
bool valid_utf8(std::string_view text) noexcept;

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
  /// The 0-based index of a column, or throws csv_error naming the file and the header (a column
  /// that is missing, or named twice).
  std::size_t column(std::string_view name) const;
  /// The dialect as read (the separator detected when it was not given).
  const csv_dialect& dialect() const noexcept { return dialect_; }

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
  /// Bytes of the file read so far, and the file's size (0 when unknown, e.g. a pipe): for
  /// progress.
  std::uint64_t bytes_read() const noexcept { return raw_read_; }
  std::uint64_t file_size() const noexcept { return file_size_; }

 private:
  bool refill();                                 // more bytes at the end of the buffer; false at EOF
  char detect_separator();                       // from the first non-blank line
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
  std::uint64_t consumed_ = 0, file_size_ = 0, raw_read_ = 0;
  std::vector<char> raw_;  // bytes before transcoding (other encodings than UTF-8)
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
