#include "io/csv_writer.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace spc::io {

void append_text(std::string& out, std::string_view text, csv_dialect dialect) {
  const char special[] = {dialect.separator, '"', '\n', '\r', '\0'};
  if (text.find_first_of(std::string_view(special, 4)) == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

void append_integer(std::string& out, long long value) {
  char text[24];
  out.append(text, static_cast<std::size_t>(std::to_chars(text, text + sizeof text, value).ptr - text));
}

void append_bool(std::string& out, bool value) { out += value ? "true" : "false"; }

void number_text::append(std::string& out, double value) {
  if (std::isnan(value)) return;
  std::uint64_t b;
  std::memcpy(&b, &value, sizeof b);
  if (!valid_ || b != bits_) {
    // std::to_chars with a precision is printf's %.15g, and about twice as fast as fmt's.
    const auto end = std::to_chars(text_, text_ + sizeof text_, value, std::chars_format::general, 15);
    size_ = static_cast<std::size_t>(end.ptr - text_);
    bits_ = b;
    valid_ = true;
  }
  out.append(text_, size_);
}

namespace {

std::string system_error(const std::string& path) {
  return fmt::format("cannot write '{}': {}", path, std::strerror(errno));
}

}  // namespace

output_file::output_file(std::string path) : path_(std::move(path)) {
  if (path_.empty() || path_ == "-") {
    path_ = "-";
    file_ = stdout;
    return;
  }
  // A target that exists and is not a regular file (a terminal, a pipe, /dev/null, /dev/full) is
  // written directly: it cannot be replaced, and there is nothing to leave half-written.
  std::error_code ec;
  const auto status = std::filesystem::status(path_, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) throw csv_error(system_error(path_));
    return;
  }
  // A temporary file in the target's directory, so that the rename cannot cross file systems.
  std::random_device seed;
  for (int attempt = 0; attempt < 16 && !file_; ++attempt) {
    temporary_ = fmt::format("{}.spc-{:08x}.tmp", path_, seed());
    file_ = std::fopen(temporary_.c_str(), "wbx");  // x: never an existing file
    if (!file_ && errno != EEXIST) break;
  }
  if (!file_) throw csv_error(system_error(path_));
}

output_file::~output_file() {
  if (file_ && file_ != stdout) {
    std::fclose(file_);
    if (!temporary_.empty()) std::remove(temporary_.c_str());
  }
}

void output_file::write(std::string_view text) {
  if (text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) throw csv_error(system_error(path_));
}

void output_file::commit() {
  if (committed_) return;
  if (std::fflush(file_) != 0) throw csv_error(system_error(path_));
  if (file_ == stdout) {
    committed_ = true;
    return;
  }
  const bool failed = std::ferror(file_) != 0;
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (failed || closed != 0) {
    if (!temporary_.empty()) std::remove(temporary_.c_str());
    throw csv_error(system_error(path_));
  }
  if (temporary_.empty()) {  // written directly
    committed_ = true;
    return;
  }
  std::error_code ec;
  std::filesystem::rename(temporary_, path_, ec);
  if (ec) {
    std::remove(temporary_.c_str());
    throw csv_error(fmt::format("cannot write '{}': {}", path_, ec.message()));
  }
  committed_ = true;
}

csv_writer::csv_writer(const std::string& path, csv_dialect dialect)
    : file_(path), row_(buffer_, dialect) {}

csv_writer::~csv_writer() {
  if (closed_ || std::uncaught_exceptions() > 0) return;  // without close(): no file
  try {
    close();
  } catch (...) {
    // A destructor cannot report; callers that need to know call close().
  }
}

void csv_writer::header(const std::vector<std::string>& names) {
  for (const auto& n : names) row_.field(std::string_view(n));
  end_row();
}

void csv_writer::end_row() {
  row_.end();
  if (buffer_.size() > (1 << 16)) {
    file_.write(buffer_);
    buffer_.clear();
  }
}

void csv_writer::close() {
  if (closed_) return;
  file_.write(buffer_);
  buffer_.clear();
  file_.commit();
  closed_ = true;
}

}  // namespace spc::io
