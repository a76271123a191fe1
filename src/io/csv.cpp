#include "io/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace spc::io {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += ", ";
    s += x;
  }
  return s;
}

// Splits one record starting at `pos` into `fields`; returns the position after the record's
// line end. Handles quoted fields with embedded commas, doubled quotes and newlines.
std::size_t split_record(std::string_view text, std::size_t pos, std::vector<std::string>& fields,
                         std::size_t& lines) {
  fields.clear();
  std::string field;
  const std::size_t n = text.size();
  while (true) {
    field.clear();
    if (pos < n && text[pos] == '"') {
      ++pos;
      while (pos < n) {
        char ch = text[pos];
        if (ch == '"') {
          if (pos + 1 < n && text[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        if (ch == '\n') ++lines;
        field += ch;
        ++pos;
      }
      // Anything after the closing quote up to the separator is kept as text.
      while (pos < n && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r') field += text[pos++];
    } else {
      const std::size_t start = pos;
      while (pos < n && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r') ++pos;
      field.assign(text.substr(start, pos - start));
    }
    fields.push_back(field);
    if (pos < n && text[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < n && text[pos] == '\r') ++pos;
    if (pos < n && text[pos] == '\n') ++pos;
    ++lines;
    return pos;
  }
}

std::string read_all(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) throw csv_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string data;
  char buf[1 << 16];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, got);
  if (f != stdin) std::fclose(f);
  return data;
}

}  // namespace

bool parse_number(std::string_view cell, double& value) noexcept {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  if (cell.empty() || cell == "NA" || cell == "NaN" || cell == "nan" || cell == "." ||
      cell == "NULL") {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (cell.front() == '+') cell.remove_prefix(1);
  const char* end = cell.data() + cell.size();
  auto [ptr, ec] = std::from_chars(cell.data(), end, value);
  if (ec != std::errc() || ptr != end) return false;
  return true;
}

std::size_t csv_table::column(std::string_view name) const {
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return k;
  throw csv_error(fmt::format("{}: missing column '{}' (the header has: {})", source, name,
                              join(header)));
}

bool csv_table::has(std::string_view name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<double> csv_table::numbers(std::string_view name) const {
  const auto& col = cells[column(name)];
  std::vector<double> out(col.size());
  for (std::size_t r = 0; r < col.size(); ++r) {
    if (!parse_number(col[r], out[r]))
      throw csv_error(fmt::format("{}: row {}, column '{}': '{}' is not a number", source, r + 1,
                                  name, col[r]));
  }
  return out;
}

csv_table read_csv(const std::string& path, const std::vector<std::string>& keep) {
  csv_table t;
  t.source = path == "-" ? std::string("standard input") : path;
  const std::string data = read_all(path);
  std::string_view text(data);
  std::size_t pos = 0, lines = 0;
  if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) pos = 3;  // BOM
  if (pos >= text.size()) throw csv_error(fmt::format("{}: the file is empty (no header)", t.source));
  std::vector<std::string> fields;
  pos = split_record(text, pos, fields, lines);
  t.header = fields;

  std::vector<std::size_t> index;  // file column of each kept column
  if (keep.empty()) {
    t.names = t.header;
    for (std::size_t k = 0; k < t.header.size(); ++k) index.push_back(k);
  } else {
    for (const auto& name : keep) {
      auto it = std::find(t.header.begin(), t.header.end(), name);
      if (it == t.header.end())
        throw csv_error(fmt::format("{}: missing column '{}' (the header has: {})", t.source, name,
                                    join(t.header)));
      if (std::find(t.names.begin(), t.names.end(), name) != t.names.end()) continue;
      t.names.push_back(name);
      index.push_back(static_cast<std::size_t>(it - t.header.begin()));
    }
  }
  t.cells.resize(t.names.size());
  const std::size_t width = t.header.size();
  while (pos < text.size()) {
    const std::size_t line = lines + 1;
    pos = split_record(text, pos, fields, lines);
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    if (fields.size() != width)
      throw csv_error(fmt::format("{}: row {} (line {}) has {} fields, the header has {}",
                                  t.source, t.rows + 1, line, fields.size(), width));
    for (std::size_t k = 0; k < index.size(); ++k) t.cells[k].push_back(std::move(fields[index[k]]));
    ++t.rows;
  }
  return t;
}

csv_writer::csv_writer(const std::string& path) {
  if (path.empty() || path == "-") {
    file_ = stdout;
  } else {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw csv_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
    owned_ = true;
  }
  buffer_.reserve(1 << 16);
}

csv_writer::~csv_writer() {
  flush();
  if (owned_) std::fclose(file_);
}

void csv_writer::separator() {
  if (!first_) buffer_ += ',';
  first_ = false;
}

void csv_writer::header(const std::vector<std::string>& names) {
  for (const auto& n : names) field(std::string_view(n));
  end_row();
}

void csv_writer::field(std::string_view text) {
  separator();
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    buffer_ += text;
    return;
  }
  buffer_ += '"';
  for (char ch : text) {
    if (ch == '"') buffer_ += '"';
    buffer_ += ch;
  }
  buffer_ += '"';
}

void csv_writer::field(double value) {
  separator();
  if (std::isnan(value)) return;
  fmt::format_to(std::back_inserter(buffer_), "{:.15g}", value);
}

void csv_writer::field(long long value) {
  separator();
  fmt::format_to(std::back_inserter(buffer_), "{}", value);
}

void csv_writer::field(bool value) {
  separator();
  buffer_ += value ? "true" : "false";
}

void csv_writer::end_row() {
  buffer_ += '\n';
  first_ = true;
  if (buffer_.size() > (1 << 16)) flush();
}

void csv_writer::flush() {
  if (!buffer_.empty() && file_) {
    std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    buffer_.clear();
  }
  if (file_) std::fflush(file_);
}

}  // namespace spc::io
