// io/columns.hpp: reading a large CSV file one record at a time, for `spc batch`.
//
// io::read_csv (csv.hpp) holds the whole file's text while it splits it; a long-format file of
// ten million rows is better read as a stream: a buffer of a few megabytes is refilled from the
// file and each record's fields are views into it, so that the caller keeps only the columns it
// needs (parsed numbers, labels) and never the file. The CSV dialect is read_csv's: a header row,
// ',' between fields, fields optionally quoted with '"' (doubled quotes inside, separators and
// line ends allowed inside quotes), CR LF or LF line ends, blank lines skipped, a UTF-8 byte-order
// mark ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spc::io {

/// A CSV file read record by record. Throws csv_error (csv.hpp) when the file cannot be opened
/// or has no header.
class csv_stream {
 public:
  /// "-" = standard input. `buffer_size` is the initial buffer (doubled for a longer record);
  /// the tests make it tiny so that records straddle refills.
  explicit csv_stream(const std::string& path, std::size_t buffer_size = std::size_t{4} << 20);
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
  std::string source_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes: buffer_[begin_, end_)
  std::vector<std::string_view> fields_;
  std::deque<std::string> unquoted_;  // unescaped quoted fields (a deque: views stay valid)
  std::vector<std::string> header_;
  std::size_t row_ = 0, line_ = 1, record_line_ = 1, record_lines_ = 0;
  std::uint64_t consumed_ = 0, file_size_ = 0;
};

}  // namespace spc::io
