// io/csv_writer.hpp: the one CSV writer of the command line and the tests.
//
// Not part of the public library. Fields are appended to text (so that blocks of rows can be
// formatted in parallel and written in order) in the dialect of io/csv_reader.hpp: quoted when
// they hold the separator, a quote or a line end; numbers with up to 15 significant digits (as
// printf's %.15g and the golden files); a missing number is an empty cell; booleans true/false.
//
// Files are written whole or not at all: `output_file` writes to a temporary file beside the
// target and renames it over the target on `commit()`; a command that fails before committing
// leaves no file (and no half-written one), and a failed write is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv_reader.hpp"

namespace spc::io {

/// Appends one text field, quoted when needed.
void append_text(std::string& out, std::string_view text, csv_dialect dialect = {});
void append_integer(std::string& out, long long value);
void append_bool(std::string& out, bool value);

/// Appends numbers, remembering the last one's text: centre lines and limits repeat along a part
/// and are then copied rather than formatted again.
class number_text {
 public:
  void append(std::string& out, double value);

 private:
  std::uint64_t bits_ = 0;
  bool valid_ = false;
  char text_[32] = {};
  std::size_t size_ = 0;
};

/// One row being built in a text buffer: each field after a separator (but the first).
class csv_row {
 public:
  explicit csv_row(std::string& out, csv_dialect dialect = {}) : out_(out), dialect_(dialect) {}
  void field(std::string_view text) {
    separate();
    append_text(out_, text, dialect_);
  }
  void field(const char* text) { field(std::string_view(text)); }
  void field(double value) {
    separate();
    number_.append(out_, value);
  }
  void field(long long value) {
    separate();
    append_integer(out_, value);
  }
  void field(bool value) {
    separate();
    append_bool(out_, value);
  }
  /// Ends the row (a line end); the next field starts a new row.
  void end() {
    out_ += '\n';
    first_ = true;
  }

 private:
  void separate() {
    if (!first_) out_ += dialect_.separator;
    first_ = false;
  }
  std::string& out_;
  csv_dialect dialect_;
  bool first_ = true;
  number_text number_;
};

/// A file written whole or not at all; "" or "-" is standard output (written as it comes).
class output_file {
 public:
  explicit output_file(std::string path);
  ~output_file();  ///< without commit(): the temporary file is removed
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  /// Appends text; throws csv_error when the system refuses it (disk full, ...).
  void write(std::string_view text);
  /// Flushes, closes and renames the temporary file over the target; throws csv_error on failure.
  void commit();
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_, temporary_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
};

/// A small CSV file built row by row (tests, and outputs of a few rows): header(), field()s,
/// end_row(), then close() (or the destructor, when no exception is in flight) commits it.
class csv_writer {
 public:
  explicit csv_writer(const std::string& path, csv_dialect dialect = {});
  ~csv_writer();
  csv_writer(const csv_writer&) = delete;
  csv_writer& operator=(const csv_writer&) = delete;

  void header(const std::vector<std::string>& names);
  template <class T>
  void field(const T& value) {
    row_.field(value);
  }
  void end_row();
  void close();

 private:
  output_file file_;
  std::string buffer_;
  csv_row row_;
  bool closed_ = false;
};

}  // namespace spc::io
