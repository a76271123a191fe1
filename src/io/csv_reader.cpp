#include "io/csv_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

namespace spc::io {

bool parse_number(std::string_view cell, double& value) noexcept {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  if (cell.empty() || cell == "NA" || cell == "NaN" || cell == "nan" || cell == "." || cell == "NULL") {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (cell.front() == '+') cell.remove_prefix(1);
  const char* end = cell.data() + cell.size();
  auto [ptr, ec] = std::from_chars(cell.data(), end, value);
  return ec == std::errc() && ptr == end;
}

csv_stream::csv_stream(const std::string& path, std::size_t buffer_size, csv_dialect dialect)
    : dialect_(dialect) {
  source_ = path == "-" ? std::string("standard input") : path;
  if (path == "-") {
    file_ = stdin;
  } else {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw csv_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
    owned_ = true;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    file_size_ = ec ? 0 : static_cast<std::uint64_t>(size);
  }
  buffer_.resize(std::max<std::size_t>(buffer_size, 1));
  while (end_ - begin_ < 3 && refill()) {
  }
  if (end_ - begin_ >= 3 && std::memcmp(buffer_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {  // BOM
    begin_ += 3;
    consumed_ += 3;
  }
  if (!next()) throw csv_error(fmt::format("{}: the file is empty (no header)", source_));
  header_.assign(fields_.begin(), fields_.end());
  row_ = 0;
}

csv_stream::~csv_stream() {
  if (owned_ && file_) std::fclose(file_);
}

std::size_t csv_stream::column(std::string_view name) const {
  auto it = std::find(header_.begin(), header_.end(), name);
  if (it != header_.end()) return static_cast<std::size_t>(it - header_.begin());
  std::string names;
  for (const auto& h : header_) names += (names.empty() ? "" : ", ") + h;
  throw csv_error(fmt::format("{}: missing column '{}' (the header has: {})", source_, name, names));
}

bool csv_stream::refill() {
  if (eof_) return false;
  // Keep the unread bytes (an incomplete record) at the front; grow when they fill the buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  const std::size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
  end_ += got;
  if (got == 0) eof_ = true;
  return got > 0;
}

bool csv_stream::parse_record(std::size_t& stop) {
  fields_.clear();
  std::size_t scratch = 0;
  record_lines_ = 0;
  const char* data = buffer_.data();
  const std::size_t n = end_;
  const char sep = dialect_.separator;
  const auto ends_field = [sep](char c) { return c == sep || c == '\n' || c == '\r'; };
  std::size_t p = begin_;
  for (;;) {
    if (p < n && data[p] == '"') {
      // Quoted: up to the closing quote; "" is one quote; anything after the closing quote up to
      // the separator is kept as text (as read_csv does).
      std::size_t q = p + 1, lines = 0;
      bool doubled = false;
      for (;;) {
        if (q >= n) {
          if (!eof_) return false;
          break;  // an unterminated quote ends at the end of the file
        }
        if (data[q] == '"') {
          if (q + 1 >= n && !eof_) return false;  // a doubled quote may follow
          if (q + 1 < n && data[q + 1] == '"') {
            doubled = true;
            q += 2;
            continue;
          }
          break;
        }
        lines += data[q] == '\n';
        ++q;
      }
      const std::size_t after = q < n ? q + 1 : q;
      std::size_t t = after;
      while (t < n && !ends_field(data[t])) ++t;
      if (t >= n && !eof_) return false;
      if (!doubled && t == after) {
        fields_.emplace_back(data + p + 1, q - p - 1);
      } else {
        if (scratch == unquoted_.size()) unquoted_.emplace_back();
        std::string& f = unquoted_[scratch++];
        f.clear();
        for (std::size_t k = p + 1; k < q; ++k) {
          f += data[k];
          if (data[k] == '"') ++k;  // the second quote of a pair
        }
        f.append(data + after, t - after);
        fields_.emplace_back(f);
      }
      record_lines_ += lines;
      p = t;
    } else {
      std::size_t t = p;
      while (t < n && !ends_field(data[t])) ++t;
      if (t >= n && !eof_) return false;
      fields_.emplace_back(data + p, t - p);
      p = t;
    }
    if (p < n && data[p] == sep) {
      ++p;
      continue;
    }
    if (p < n && data[p] == '\r') {
      if (p + 1 >= n && !eof_) return false;  // a '\n' may follow
      ++p;
    }
    if (p < n && data[p] == '\n') ++p;
    ++record_lines_;
    stop = p;
    return true;
  }
}

bool csv_stream::next() {
  for (;;) {
    if (begin_ == end_ && !refill()) return false;
    std::size_t stop = 0;
    if (!parse_record(stop)) {
      refill();  // at the end of the file, the record ends with the buffer
      continue;
    }
    consumed_ += stop - begin_;
    begin_ = stop;
    record_line_ = line_;
    line_ += record_lines_;
    if (fields_.size() == 1 && fields_[0].empty()) continue;  // a blank line
    ++row_;
    return true;
  }
}

namespace {
std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}
}  // namespace

std::size_t csv_table::column(std::string_view name) const {
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return k;
  throw csv_error(fmt::format("{}: missing column '{}' (the header has: {})", source, name, joined(header)));
}

bool csv_table::has(std::string_view name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<double> csv_table::numbers(std::string_view name) const {
  const auto& col = cells[column(name)];
  std::vector<double> out(col.size());
  for (std::size_t r = 0; r < col.size(); ++r)
    if (!parse_number(col[r], out[r]))
      throw csv_error(fmt::format("{}: row {}, column '{}': '{}' is not a number", source, r + 1, name, col[r]));
  return out;
}

csv_table read_csv(const std::string& path, const std::vector<std::string>& keep) {
  csv_stream in(path);
  csv_table t;
  t.source = in.source();
  t.header = in.header();
  std::vector<std::size_t> index;  // file column of each kept column
  if (keep.empty()) {
    t.names = t.header;
    for (std::size_t k = 0; k < t.header.size(); ++k) index.push_back(k);
  } else {
    for (const auto& name : keep) {
      if (std::find(t.names.begin(), t.names.end(), name) != t.names.end()) continue;
      index.push_back(in.column(name));
      t.names.push_back(name);
    }
  }
  t.cells.resize(t.names.size());
  const std::size_t width = t.header.size();
  while (in.next()) {
    const auto f = in.fields();
    if (f.size() != width)
      throw csv_error(fmt::format("{}: row {} (line {}) has {} fields, the header has {}", t.source, in.row(),
                                  in.line(), f.size(), width));
    for (std::size_t k = 0; k < index.size(); ++k) t.cells[k].emplace_back(f[index[k]]);
    ++t.rows;
  }
  return t;
}

}  // namespace spc::io
