#include "io/csv_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

namespace spc::io {

namespace {

std::string_view trim(std::string_view cell) noexcept {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
  return cell;
}

bool is_missing(std::string_view cell) noexcept {
  return cell.empty() || cell == "NA" || cell == "NaN" || cell == "nan" || cell == "." || cell == "NULL";
}

// Windows-1252's 0x80..0x9F (the rest of its upper half is Latin-1); 0 = undefined (read as
// U+FFFD). Source: the Unicode Consortium's mapping file CP1252.TXT.
constexpr char16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_utf8(std::vector<char>& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

std::string_view to_string(text_encoding e) noexcept {
  switch (e) {
    case text_encoding::utf8: return "utf-8";
    case text_encoding::windows1252: return "windows-1252";
    case text_encoding::latin1: return "latin-1";
  }
  return "";
}

std::optional<text_encoding> parse_text_encoding(std::string_view name) noexcept {
  std::string n;
  for (char c : name)
    if (c != '-' && c != '_' && c != ' ') n += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (n == "utf8") return text_encoding::utf8;
  if (n == "windows1252" || n == "cp1252" || n == "win1252" || n == "ansi") return text_encoding::windows1252;
  if (n == "latin1" || n == "iso88591" || n == "l1") return text_encoding::latin1;
  return std::nullopt;
}

number_status parse_number(std::string_view cell, double& value, char decimal) noexcept {
  cell = trim(cell);
  value = std::numeric_limits<double>::quiet_NaN();
  if (is_missing(cell)) return number_status::missing;
  if (cell.front() == '+') cell.remove_prefix(1);
  char buffer[64];
  if (decimal != '.') {
    // A decimal comma: the number's text with '.' in its place ('.' is then not a decimal mark).
    if (cell.size() >= sizeof buffer || cell.find('.') != std::string_view::npos) return number_status::not_a_number;
    std::memcpy(buffer, cell.data(), cell.size());
    for (std::size_t k = 0; k < cell.size(); ++k)
      if (buffer[k] == decimal) buffer[k] = '.';
    cell = std::string_view(buffer, cell.size());
  }
  double v = 0;
  const char* end = cell.data() + cell.size();
  const auto [ptr, ec] = std::from_chars(cell.data(), end, v);
  if (ptr != end || (ec != std::errc() && ec != std::errc::result_out_of_range)) return number_status::not_a_number;
  // from_chars reports out of range for overflow and for underflow (leaving v unset); strtod
  // tells them apart: an underflow is a number (0 or a subnormal), an overflow is not.
  if (ec == std::errc::result_out_of_range) {
    const std::string text(cell);
    v = std::strtod(text.c_str(), nullptr);
    if (std::isinf(v)) return number_status::out_of_range;
  }
  if (!std::isfinite(v)) return number_status::not_a_number;  // "inf", "nan(...)" spelt out
  value = v;
  return number_status::number;
}

bool parse_number(std::string_view cell, double& value) noexcept {
  const number_status s = parse_number(cell, value, '.');
  return s == number_status::number || s == number_status::missing;
}

bool has_decimal_comma(std::string_view cell) noexcept {
  double v = 0;
  cell = trim(cell);
  return cell.find(',') != std::string_view::npos && parse_number(cell, v, ',') == number_status::number;
}

std::string number_problem(std::string_view cell, number_status status, char decimal, std::string_view decimal_hint) {
  if (status == number_status::out_of_range)
    return fmt::format("'{}' is beyond the range of a double (about 1.8e308)", cell);
  std::string s = fmt::format("'{}' is not a number", cell);
  if (decimal == '.' && !decimal_hint.empty() && has_decimal_comma(cell)) s += fmt::format(" ({})", decimal_hint);
  return s;
}

bool valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || static_cast<std::size_t>(end - p) < len) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((p[k] & 0xC0) != 0x80) return false;
    if (len == 2 && c < 0xC2) return false;  // overlong
    p += len;
  }
  return true;
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
  if (dialect_.separator == 0) dialect_.separator = detect_separator();
  if (dialect_.separator == dialect_.decimal)
    throw csv_error(fmt::format("{}: the fields are separated by '{}', the decimal mark of --decimal; give the "
                                "separator with --sep (Excel writes ';' with a decimal comma)",
                                source_, dialect_.separator));
  if (!next()) throw csv_error(fmt::format("{}: the file is empty (no header)", source_));
  header_.assign(fields_.begin(), fields_.end());
  row_ = 0;
  if (dialect_.encoding == text_encoding::utf8)
    for (const std::string& h : header_)
      if (!valid_utf8(h))
        throw csv_error(fmt::format(
            "{}: the header is not UTF-8 text (column {}); a file saved by Excel as CSV is often "
            "Windows-1252: give --encoding windows-1252 (or latin-1)",
            source_, &h - header_.data() + 1));
}

char csv_stream::detect_separator() {
  // The first non-blank line, whole in the buffer.
  std::size_t start = begin_;
  for (;;) {
    while (start < end_ && (buffer_[start] == '\n' || buffer_[start] == '\r')) ++start;
    const auto* nl = static_cast<const char*>(std::memchr(buffer_.data() + start, '\n', end_ - start));
    if ((nl || eof_) && start < end_) break;
    if (eof_) return ',';
    const std::size_t offset = start - begin_;
    if (!refill()) {
      if (begin_ + offset >= end_) return ',';
    }
    start = begin_ + offset;
  }
  std::size_t counts[3] = {0, 0, 0};  // ',', ';', tab
  bool quoted = false;
  for (std::size_t k = start; k < end_ && (quoted || (buffer_[k] != '\n' && buffer_[k] != '\r')); ++k) {
    const char c = buffer_[k];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    counts[0] += c == ',';
    counts[1] += c == ';';
    counts[2] += c == '\t';
  }
  if (counts[1] > counts[0] && counts[1] >= counts[2]) return ';';
  if (counts[2] > counts[0] && counts[2] > counts[1]) return '\t';
  // One column: no separator to see. With a decimal comma the separator cannot be a comma.
  if (counts[0] == 0 && dialect_.decimal == ',') return ';';
  return ',';
}

csv_stream::~csv_stream() {
  if (owned_ && file_) std::fclose(file_);
}

std::size_t csv_stream::column(std::string_view name) const {
  auto it = std::find(header_.begin(), header_.end(), name);
  if (it != header_.end()) {
    const auto again = std::find(it + 1, header_.end(), name);
    if (again != header_.end())
      throw csv_error(fmt::format("{}: the header names column '{}' twice (columns {} and {}); rename one", source_,
                                  name, it - header_.begin() + 1, again - header_.begin() + 1));
    return static_cast<std::size_t>(it - header_.begin());
  }
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
  if (dialect_.encoding == text_encoding::utf8) {
    const std::size_t got = std::fread(buffer_.data() + end_, 1, buffer_.size() - end_, file_);
    if (got == 0 && std::ferror(file_)) throw csv_error(fmt::format("{}: cannot read: {}", source_, std::strerror(errno)));
    end_ += got;
    raw_read_ += got;
    if (got == 0) eof_ = true;
    return got > 0;
  }
  // A single-byte encoding, transcoded to UTF-8 as it is read (a byte never straddles a refill).
  raw_.resize(std::max<std::size_t>((buffer_.size() - end_) / 3, 1));
  const std::size_t got = std::fread(raw_.data(), 1, raw_.size(), file_);
  if (got == 0 && std::ferror(file_)) throw csv_error(fmt::format("{}: cannot read: {}", source_, std::strerror(errno)));
  raw_read_ += got;
  if (got == 0) {
    eof_ = true;
    return false;
  }
  buffer_.resize(end_);
  for (std::size_t k = 0; k < got; ++k) {
    const auto b = static_cast<unsigned char>(raw_[k]);
    if (b < 0x80) {
      buffer_.push_back(static_cast<char>(b));
    } else if (b < 0xA0 && dialect_.encoding == text_encoding::windows1252) {
      const char16_t c = cp1252_high[b - 0x80];
      append_utf8(buffer_, c ? c : 0xFFFD);
    } else {
      append_utf8(buffer_, b);
    }
  }
  end_ = buffer_.size();
  buffer_.resize(std::max(buffer_.size(), buffer_.capacity()));
  return true;
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
