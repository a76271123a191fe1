// The sequential charts (spc/sequential.hpp): parameter checks, baseline estimates, the
// recursions as incremental states, the whole-series forms built on them, and saving states.
// Formulas and their sources: docs/sequential.md (the specification is the project's
// sequential.md; qicharts2, qcc, vlad and Knoth's spc served as reference outputs only).
#include "spc/sequential.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "charts.hpp"
#include "spc/constants.hpp"

namespace spc {

namespace {

std::string number(double x) { return fmt::format("{:.15g}", x); }

bool finite(double x) noexcept { return std::isfinite(x); }

// --- Checks shared by the charts ------------------------------------------------------------------

std::optional<input_error> check_finite(const char* name, double v) {
  if (!finite(v)) return input_error(name, input_error::npos, fmt::format("{} is not a finite number", number(v)));
  return std::nullopt;
}

// A parameter that must be a finite number above `above` (strictly).
std::optional<input_error> check_above(const char* name, double v, double above, const char* what) {
  if (!finite(v) || !(v > above))
    return input_error(name, input_error::npos, fmt::format("must be {}, not {}", what, number(v)));
  return std::nullopt;
}

// The given target and sigma of the CUSUM and the EWMA (NaN = estimated), and their freeze.
std::optional<input_error> check_location(double target, double sigma, std::size_t freeze) {
  if (!std::isnan(target))
    if (auto e = check_finite("target", target)) return e;
  if (!std::isnan(sigma) && (!finite(sigma) || !(sigma > 0)))
    return input_error("sigma", input_error::npos, fmt::format("must be a positive finite number, not {}", number(sigma)));
  if (freeze == 1)
    return input_error("freeze", input_error::npos,
                       "a baseline of 1 point is too short: sigma is estimated from the moving ranges of at least 2 "
                       "points");
  return std::nullopt;
}

[[noreturn]] void raise(std::optional<input_error> e) { throw std::move(*e); }

// Checks each value of a measurement series (the CUSUM and the EWMA): finite, or missing.
void check_measurements(std::span<const double> y) {
  for (std::size_t i = 0; i < y.size(); ++i)
    if (std::isinf(y[i])) throw input_error("y", i, fmt::format("the value {} is not finite", number(y[i])));
}

// The outcome of one patient: 0 or 1, or missing. The chart table words it ("the outcome").
void check_outcome(chart_type chart, double y, std::size_t index) {
  if (std::isnan(y) || y == 0 || y == 1) return;
  const chart_info& ci = info(chart);
  throw input_error("y", index, fmt::format("{} must be 0 or 1 in a {} chart (1 = the adverse outcome), not {}",
                                            ci.y_noun, ci.name, number(y)));
}

void check_risk(double p, std::size_t index) {
  if (std::isnan(p) || (p > 0 && p < 1)) return;
  throw input_error("risk", index,
                    fmt::format("the predicted risk must lie strictly between 0 and 1, not {}", number(p)));
}

void check_outcomes(chart_type chart, std::span<const double> y) {
  for (std::size_t i = 0; i < y.size(); ++i) check_outcome(chart, y[i], i);
}

void check_risks(chart_type chart, std::span<const double> y, std::span<const double> risk) {
  const chart_info& ci = info(chart);
  if (risk.size() != y.size())
    throw input_error("risk", input_error::npos,
                      risk.empty() ? fmt::format("a {} chart needs the predicted risk of every patient", ci.name)
                                   : fmt::format("has {} values but y has {}: the columns must have the same length",
                                                 risk.size(), y.size()));
  for (std::size_t i = 0; i < y.size(); ++i) {
    check_outcome(chart, y[i], i);
    check_risk(risk[i], i);
  }
}

void check_freeze(std::size_t freeze, std::size_t m) {
  if (freeze > m)
    throw input_error("freeze", input_error::npos,
                      fmt::format("{} is beyond the series, which has {} points", freeze, m));
}

template <class T>
void check_size(const char* name, std::span<T> column, std::size_t m) {
  if (!column.empty() && column.size() != m)
    throw input_error(name, input_error::npos,
                      fmt::format("the output column has {} rows, the series {}", column.size(), m));
}

// --- Baseline estimates ---------------------------------------------------------------------------

// The baseline: points 1..freeze, or every point.
std::span<const double> baseline_of(std::span<const double> y, std::size_t freeze) {
  return freeze > 0 ? y.first(freeze) : y;
}

// mu0 = the mean of the baseline's values (as the I chart's centre line: summed in order).
double baseline_mean(std::span<const double> b) {
  double sum = 0;
  std::size_t count = 0;
  for (double v : b) {
    if (std::isnan(v)) continue;
    sum += v;
    ++count;
  }
  if (count == 0)
    throw input_error("target", input_error::npos, "cannot be estimated: the baseline has no values");
  return sum / static_cast<double>(count);
}

// sigma = AMR / d2 exactly as the I chart (src/charts.cpp): moving ranges of consecutive baseline
// values (a gap breaks the pair), screened once unless `screen` is off (Nelson 1982).
double baseline_sigma(std::span<const double> b, bool screen, workspace& ws) {
  detail::chart_scratch& s = ws.scratch;
  s.use.assign(b.size(), 1);
  const double amr = detail::average_moving_range(b, s.use, screen, s.a);
  if (std::isnan(amr))
    throw input_error("sigma", input_error::npos,
                      "cannot be estimated: the baseline has no two consecutive values (a moving range)");
  const double sigma = amr / constants::d2;
  if (!(sigma > 0))
    throw input_error("sigma", input_error::npos,
                      "cannot be estimated: every moving range of the baseline is 0, so the estimate is 0");
  return sigma;
}

// Counts one point's signals.
void count(sequential_counts& c, std::size_t i, bool missing, bool upper, bool lower) {
  ++c.n_points;
  if (missing) ++c.n_missing;
  if (upper) {
    if (c.n_signals_upper++ == 0) c.first_signal_upper = i;
  }
  if (lower) {
    if (c.n_signals_lower++ == 0) c.first_signal_lower = i;
  }
}

template <class T>
void put(std::span<T> column, std::size_t i, T value) {
  if (!column.empty()) column[i] = value;
}

// --- The saved form of a state: one line of JSON ---------------------------------------------------

constexpr int state_version = 1;

class json_writer {
 public:
  explicit json_writer(std::string_view chart) {
    text_ = fmt::format("{{\"chart\":\"{}\",\"version\":{}", chart, state_version);
  }
  json_writer& field(std::string_view key, double v) {
    char buffer[32];
    // Without a precision, to_chars writes the shortest text that reads back to the same double.
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    text_ += fmt::format(",\"{}\":{}", key, std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
    return *this;
  }
  json_writer& field(std::string_view key, bool v) {
    text_ += fmt::format(",\"{}\":{}", key, v ? "true" : "false");
    return *this;
  }
  json_writer& field(std::string_view key, std::uint64_t v) {
    text_ += fmt::format(",\"{}\":{}", key, v);
    return *this;
  }
  std::string done() { return text_ + "}"; }

 private:
  std::string text_;
};

// A flat JSON object of numbers, booleans and strings (the saved form; nothing else is read).
class json_reader {
 public:
  json_reader(std::string_view text, std::string_view chart) : chart_(chart) {
    std::size_t at = 0;
    auto blank = [&] {
      while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
    };
    auto expect = [&](char c) {
      blank();
      if (at >= text.size() || text[at] != c) fail(fmt::format("expected '{}' at character {}", c, at + 1));
      ++at;
    };
    auto string = [&]() -> std::string_view {
      expect('"');
      const std::size_t start = at;
      while (at < text.size() && text[at] != '"') {
        if (text[at] == '\\') fail("escapes are not part of a saved state");
        ++at;
      }
      if (at >= text.size()) fail("a string is not closed");
      return text.substr(start, at++ - start);
    };
    expect('{');
    blank();
    if (at < text.size() && text[at] == '}') {
      ++at;
    } else {
      while (true) {
        const std::string_view key = string();
        expect(':');
        blank();
        entry e{key, {}, false};
        if (at < text.size() && text[at] == '"') {
          e.value = string();
          e.quoted = true;
        } else {
          const std::size_t start = at;
          while (at < text.size() && text[at] != ',' && text[at] != '}' && text[at] != ' ' && text[at] != '\n' &&
                 text[at] != '\r' && text[at] != '\t')
            ++at;
          e.value = text.substr(start, at - start);
          if (e.value.empty()) fail(fmt::format("the field \"{}\" has no value", key));
        }
        for (const entry& other : entries_)
          if (other.key == key) fail(fmt::format("the field \"{}\" is given twice", key));
        entries_.push_back(e);
        blank();
        if (at < text.size() && text[at] == ',') {
          ++at;
          continue;
        }
        expect('}');
        break;
      }
    }
    blank();
    if (at != text.size()) fail("text follows the closing brace");
    const std::string_view saved_chart = text_field("chart");
    if (saved_chart != chart)
      fail(fmt::format("it is the state of a {} chart, not of a {} chart", saved_chart, chart));
    const std::uint64_t version = unsigned_field("version");
    if (version != state_version)
      fail(fmt::format("version {} is not known (this library reads version {})", version, state_version));
  }

  double number_field(std::string_view key) {
    const entry& e = find(key, false);
    double v = 0;
    const auto [end, ec] = std::from_chars(e.value.data(), e.value.data() + e.value.size(), v);
    if (ec != std::errc() || end != e.value.data() + e.value.size() || !finite(v))
      fail(fmt::format("the field \"{}\" is not a finite number: {}", key, e.value));
    return v;
  }
  std::uint64_t unsigned_field(std::string_view key) {
    const entry& e = find(key, false);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(e.value.data(), e.value.data() + e.value.size(), v);
    if (ec != std::errc() || end != e.value.data() + e.value.size())
      fail(fmt::format("the field \"{}\" is not a whole number: {}", key, e.value));
    return v;
  }
  bool bool_field(std::string_view key) {
    const entry& e = find(key, false);
    if (e.value == "true") return true;
    if (e.value == "false") return false;
    fail(fmt::format("the field \"{}\" is not true or false: {}", key, e.value));
  }
  std::string_view text_field(std::string_view key) { return find(key, true).value; }

  /// Every field must have been read: a field of another version or chart is refused.
  void finish() const {
    for (const entry& e : entries_)
      if (!e.read) fail(fmt::format("the field \"{}\" is not part of a {} state", e.key, chart_));
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw input_error("state", input_error::npos, fmt::format("not a saved {} state: {}", chart_, why));
  }

 private:
  struct entry {
    std::string_view key, value;
    bool quoted = false;
    mutable bool read = false;
  };
  const entry& find(std::string_view key, bool quoted) const {
    for (const entry& e : entries_) {
      if (e.key != key) continue;
      if (e.quoted != quoted) fail(fmt::format("the field \"{}\" has a value of the wrong kind", key));
      e.read = true;
      return e;
    }
    fail(fmt::format("the field \"{}\" is missing", key));
  }
  std::string_view chart_;
  std::vector<entry> entries_;
};

// A restored state's parameters, checked as `start` checks them.
void check_restored(json_reader& in, std::optional<input_error> problem) {
  in.finish();
  if (problem) in.fail(problem->what());
}

// The statistic columns of a failed or unused chart output.
void fill_missing(std::span<double> c) { std::fill(c.begin(), c.end(), na); }
void fill_zero(std::span<std::uint8_t> c) { std::fill(c.begin(), c.end(), std::uint8_t{0}); }

}  // namespace

// --- CUSUM ----------------------------------------------------------------------------------------

std::optional<input_error> find_problem(const cusum_options& o) {
  if (auto e = check_location(o.target, o.sigma, o.freeze)) return e;
  if (!finite(o.k) || o.k < 0)
    return input_error("k", input_error::npos, fmt::format("must be a finite number of at least 0, not {}", number(o.k)));
  if (auto e = check_above("h", o.h, 0, "a positive finite number")) return e;
  if (!finite(o.headstart) || o.headstart < 0 || !(o.headstart < o.h))
    return input_error("headstart", input_error::npos,
                       fmt::format("must be at least 0 and below h = {} (the usual choice is h/2), not {}", number(o.h),
                                   number(o.headstart)));
  return std::nullopt;
}

cusum_state start(const cusum_options& o) {
  if (auto e = find_problem(o)) raise(e);
  if (std::isnan(o.target) || std::isnan(o.sigma))
    throw input_error(std::isnan(o.target) ? "target" : "sigma", input_error::npos,
                      "must be given to start a state (spc::cusum estimates it from a baseline)");
  cusum_state s;
  s.target = o.target;
  s.sigma = o.sigma;
  s.k = o.k;
  s.h = o.h;
  s.headstart = o.headstart;
  s.reset = o.reset;
  s.upper = o.headstart * o.sigma;
  s.lower = s.upper > 0 ? -s.upper : 0.0;
  return s;
}

cusum_point update(cusum_state& s, double y) {
  const std::uint64_t at = s.points++;
  if (std::isnan(y)) return {};
  if (std::isinf(y)) throw input_error("y", at, fmt::format("the value {} is not finite", number(y)));
  ++s.values;
  const double K = s.k * s.sigma, H = s.h * s.sigma, S = s.headstart * s.sigma;
  // A side that signalled at the previous value restarts from the headstart (Montgomery 9.1.5).
  const double up = s.reset && s.signal_upper ? S : s.upper;
  const double down = s.reset && s.signal_lower ? S : -s.lower;
  const double cp = std::max(0.0, up + ((y - s.target) - K));
  const double cm = std::max(0.0, down + ((s.target - y) - K));
  s.upper = cp;
  s.lower = cm > 0 ? -cm : 0.0;
  s.signal_upper = cp > H;  // strictly beyond: "exceeds" (Montgomery), qcc's tests
  s.signal_lower = cm > H;
  return {s.upper, s.lower, s.signal_upper, s.signal_lower};
}

cusum_summary cusum_into(std::span<const double> y, const cusum_options& o, const cusum_columns& out,
                         workspace& ws) {
  if (auto e = find_problem(o)) raise(e);
  const std::size_t m = y.size();
  check_size("cusum_upper", out.upper, m);
  check_size("cusum_lower", out.lower, m);
  check_size("signal_upper", out.signal_upper, m);
  check_size("signal_lower", out.signal_lower, m);
  check_freeze(o.freeze, m);
  check_measurements(y);
  cusum_summary sum;
  cusum_options given = o;
  const std::span<const double> b = baseline_of(y, o.freeze);
  sum.target_estimated = std::isnan(o.target);
  sum.sigma_estimated = std::isnan(o.sigma);
  if (sum.target_estimated) given.target = baseline_mean(b);
  if (sum.sigma_estimated) given.sigma = baseline_sigma(b, o.screen_mr, ws);
  sum.state = start(given);
  for (std::size_t i = 0; i < m; ++i) {
    const cusum_point p = update(sum.state, y[i]);
    put(out.upper, i, p.upper);
    put(out.lower, i, p.lower);
    put(out.signal_upper, i, std::uint8_t{p.signal_upper});
    put(out.signal_lower, i, std::uint8_t{p.signal_lower});
    count(sum.counts, i, std::isnan(y[i]), p.signal_upper, p.signal_lower);
  }
  return sum;
}

cusum_result cusum(std::span<const double> y, const cusum_options& o) {
  cusum_result r;
  r.upper.resize(y.size());
  r.lower.resize(y.size());
  r.signal_upper.resize(y.size());
  r.signal_lower.resize(y.size());
  workspace ws;
  r.summary = cusum_into(y, o, r.columns(), ws);
  return r;
}

std::string save(const cusum_state& s) {
  return json_writer("cusum")
      .field("target", s.target)
      .field("sigma", s.sigma)
      .field("k", s.k)
      .field("h", s.h)
      .field("headstart", s.headstart)
      .field("reset", s.reset)
      .field("points", s.points)
      .field("values", s.values)
      .field("upper", s.upper)
      .field("lower", s.lower)
      .field("signal_upper", s.signal_upper)
      .field("signal_lower", s.signal_lower)
      .done();
}

void restore(std::string_view text, cusum_state& state) {
  json_reader in(text, "cusum");
  cusum_state s;
  s.target = in.number_field("target");
  s.sigma = in.number_field("sigma");
  s.k = in.number_field("k");
  s.h = in.number_field("h");
  s.headstart = in.number_field("headstart");
  s.reset = in.bool_field("reset");
  s.points = in.unsigned_field("points");
  s.values = in.unsigned_field("values");
  s.upper = in.number_field("upper");
  s.lower = in.number_field("lower");
  s.signal_upper = in.bool_field("signal_upper");
  s.signal_lower = in.bool_field("signal_lower");
  cusum_options o;
  o.target = s.target;
  o.sigma = s.sigma;
  o.k = s.k;
  o.h = s.h;
  o.headstart = s.headstart;
  check_restored(in, find_problem(o));
  if (s.values > s.points) in.fail("more values than points");
  if (s.upper < 0 || s.lower > 0) in.fail("upper must be at least 0 and lower at most 0");
  state = s;
}

// --- EWMA -----------------------------------------------------------------------------------------

std::optional<input_error> find_problem(const ewma_options& o) {
  if (auto e = check_location(o.target, o.sigma, o.freeze)) return e;
  if (!finite(o.lambda) || !(o.lambda > 0) || o.lambda > 1)
    return input_error("lambda", input_error::npos,
                       fmt::format("must lie in (0, 1] (0.2 is usual; 1 is the Shewhart I chart), not {}",
                                   number(o.lambda)));
  if (auto e = check_above("L", o.L, 0, "a positive finite number")) return e;
  return std::nullopt;
}

ewma_state start(const ewma_options& o) {
  if (auto e = find_problem(o)) raise(e);
  if (std::isnan(o.target) || std::isnan(o.sigma))
    throw input_error(std::isnan(o.target) ? "target" : "sigma", input_error::npos,
                      "must be given to start a state (spc::ewma estimates it from a baseline)");
  ewma_state s;
  s.target = o.target;
  s.sigma = o.sigma;
  s.lambda = o.lambda;
  s.L = o.L;
  s.asymptotic = o.asymptotic;
  s.z = o.target;
  return s;
}

void ewma_limits(const ewma_state& s, std::uint64_t t, double& lcl, double& ucl) noexcept {
  // Var(z_t) = sigma^2 lambda / (2 - lambda) [1 - (1 - lambda)^(2t)] (Montgomery eq. 9.24).
  double f = s.lambda / (2 - s.lambda);
  if (!s.asymptotic) f *= 1 - std::pow(1 - s.lambda, 2.0 * static_cast<double>(t));
  const double half = s.L * s.sigma * std::sqrt(f);
  lcl = s.target - half;
  ucl = s.target + half;
}

ewma_point update(ewma_state& s, double y) {
  const std::uint64_t at = s.points++;
  ewma_point p;
  if (std::isnan(y)) {
    ewma_limits(s, s.values, p.lcl, p.ucl);  // the limits in force at a gap
    return p;
  }
  if (std::isinf(y)) throw input_error("y", at, fmt::format("the value {} is not finite", number(y)));
  ++s.values;
  s.z = s.lambda * y + (1 - s.lambda) * s.z;
  ewma_limits(s, s.values, p.lcl, p.ucl);
  s.signal = s.z > p.ucl || s.z < p.lcl;
  p.z = s.z;
  p.signal = s.signal;
  return p;
}

ewma_summary ewma_into(std::span<const double> y, const ewma_options& o, const ewma_columns& out, workspace& ws) {
  if (auto e = find_problem(o)) raise(e);
  const std::size_t m = y.size();
  check_size("ewma", out.z, m);
  check_size("lcl", out.lcl, m);
  check_size("ucl", out.ucl, m);
  check_size("signal", out.signal, m);
  check_freeze(o.freeze, m);
  check_measurements(y);
  ewma_summary sum;
  ewma_options given = o;
  const std::span<const double> b = baseline_of(y, o.freeze);
  sum.target_estimated = std::isnan(o.target);
  sum.sigma_estimated = std::isnan(o.sigma);
  if (sum.target_estimated) given.target = baseline_mean(b);
  if (sum.sigma_estimated) given.sigma = baseline_sigma(b, o.screen_mr, ws);
  sum.state = start(given);
  for (std::size_t i = 0; i < m; ++i) {
    const ewma_point p = update(sum.state, y[i]);
    put(out.z, i, p.z);
    put(out.lcl, i, p.lcl);
    put(out.ucl, i, p.ucl);
    put(out.signal, i, std::uint8_t{p.signal});
    count(sum.counts, i, std::isnan(y[i]), p.signal && p.z > p.ucl, p.signal && p.z < p.lcl);
  }
  return sum;
}

ewma_result ewma(std::span<const double> y, const ewma_options& o) {
  ewma_result r;
  for (auto* v : {&r.z, &r.lcl, &r.ucl}) v->resize(y.size());
  r.signal.resize(y.size());
  workspace ws;
  r.summary = ewma_into(y, o, r.columns(), ws);
  return r;
}

std::string save(const ewma_state& s) {
  return json_writer("ewma")
      .field("target", s.target)
      .field("sigma", s.sigma)
      .field("lambda", s.lambda)
      .field("L", s.L)
      .field("asymptotic", s.asymptotic)
      .field("points", s.points)
      .field("values", s.values)
      .field("z", s.z)
      .field("signal", s.signal)
      .done();
}

void restore(std::string_view text, ewma_state& state) {
  json_reader in(text, "ewma");
  ewma_state s;
  s.target = in.number_field("target");
  s.sigma = in.number_field("sigma");
  s.lambda = in.number_field("lambda");
  s.L = in.number_field("L");
  s.asymptotic = in.bool_field("asymptotic");
  s.points = in.unsigned_field("points");
  s.values = in.unsigned_field("values");
  s.z = in.number_field("z");
  s.signal = in.bool_field("signal");
  ewma_options o;
  o.target = s.target;
  o.sigma = s.sigma;
  o.lambda = s.lambda;
  o.L = s.L;
  check_restored(in, find_problem(o));
  if (s.values > s.points) in.fail("more values than points");
  state = s;
}

// --- Bernoulli CUSUM ------------------------------------------------------------------------------

std::optional<input_error> find_problem(const bernoulli_cusum_options& o) {
  if (!std::isnan(o.p0) && (!(o.p0 > 0) || !(o.p0 < 1)))
    return input_error("p0", input_error::npos,
                       fmt::format("the baseline risk must lie strictly between 0 and 1, not {}", number(o.p0)));
  if (!std::isnan(o.p0) && o.freeze > 0)
    return input_error("p0", input_error::npos,
                       "give the baseline risk or the baseline period (freeze) it is estimated from, not both");
  if (!finite(o.odds_ratio) || !(o.odds_ratio > 1))
    return input_error("odds_ratio", input_error::npos,
                       fmt::format("must be a finite number above 1 (the upper side detects odds times it, the lower "
                                   "side odds divided by it), not {}",
                                   number(o.odds_ratio)));
  if (auto e = check_above("limit", o.limit, 0, "a positive finite number")) return e;
  return std::nullopt;
}

bernoulli_cusum_state start(const bernoulli_cusum_options& o) {
  if (auto e = find_problem(o)) raise(e);
  if (std::isnan(o.p0))
    throw input_error("p0", input_error::npos,
                      "must be given to start a state (spc::bernoulli_cusum estimates it from a baseline)");
  bernoulli_cusum_state s;
  s.p0 = o.p0;
  s.odds_ratio = o.odds_ratio;
  s.limit = o.limit;
  s.reset = o.reset;
  return s;
}

double bernoulli_p1(const bernoulli_cusum_state& s) noexcept {
  const double odds = s.p0 / (1 - s.p0) * s.odds_ratio;
  return odds / (1 + odds);
}

double bernoulli_p2(const bernoulli_cusum_state& s) noexcept {
  const double odds = s.p0 / (1 - s.p0) / s.odds_ratio;
  return odds / (1 + odds);
}

bernoulli_cusum_point update(bernoulli_cusum_state& s, double y) {
  const std::uint64_t at = s.points++;
  if (std::isnan(y)) return {};
  check_outcome(chart_type::bernoulli, y, at);
  ++s.values;
  // Log-likelihood ratios of one outcome, p1 (or p2) against p0 (Neuburger et al. 2017).
  const double p0 = s.p0, p1 = bernoulli_p1(s), p2 = bernoulli_p2(s);
  bernoulli_cusum_point p;
  p.w_upper = y == 1 ? std::log(p1 / p0) : std::log((1 - p1) / (1 - p0));
  p.w_lower = -(y == 1 ? std::log(p2 / p0) : std::log((1 - p2) / (1 - p0)));
  const double up = s.reset && s.signal_upper ? 0.0 : s.upper;
  const double down = s.reset && s.signal_lower ? 0.0 : s.lower;
  s.upper = std::max(0.0, up + p.w_upper);
  s.lower = std::min(0.0, down + p.w_lower);
  s.signal_upper = s.upper >= s.limit;  // at the limit, as qicharts2's bchart
  s.signal_lower = s.lower <= -s.limit;
  p.upper = s.upper;
  p.lower = s.lower;
  p.signal_upper = s.signal_upper;
  p.signal_lower = s.signal_lower;
  return p;
}

bernoulli_cusum_summary bernoulli_cusum_into(std::span<const double> y, const bernoulli_cusum_options& o,
                                             const bernoulli_cusum_columns& out) {
  if (auto e = find_problem(o)) raise(e);
  const std::size_t m = y.size();
  check_size("w_upper", out.w_upper, m);
  check_size("w_lower", out.w_lower, m);
  check_size("s_upper", out.upper, m);
  check_size("s_lower", out.lower, m);
  check_size("signal_upper", out.signal_upper, m);
  check_size("signal_lower", out.signal_lower, m);
  check_freeze(o.freeze, m);
  check_outcomes(chart_type::bernoulli, y);
  bernoulli_cusum_summary sum;
  bernoulli_cusum_options given = o;
  sum.p0_estimated = std::isnan(o.p0);
  if (sum.p0_estimated) {
    // p0 = the share of adverse outcomes in the baseline (bchart's target).
    double events = 0;
    std::size_t values = 0;
    for (double v : baseline_of(y, o.freeze)) {
      if (std::isnan(v)) continue;
      events += v;
      ++values;
    }
    if (values == 0) throw input_error("p0", input_error::npos, "cannot be estimated: the baseline has no outcomes");
    if (events == 0)
      throw input_error("p0", input_error::npos, "cannot be estimated: the baseline has no events (p0 would be 0)");
    if (events == static_cast<double>(values))
      throw input_error("p0", input_error::npos,
                        "cannot be estimated: every outcome of the baseline is an event (p0 would be 1)");
    given.p0 = events / static_cast<double>(values);
    given.freeze = 0;
  }
  sum.state = start(given);
  for (std::size_t i = 0; i < m; ++i) {
    const bernoulli_cusum_point p = update(sum.state, y[i]);
    put(out.w_upper, i, p.w_upper);
    put(out.w_lower, i, p.w_lower);
    put(out.upper, i, p.upper);
    put(out.lower, i, p.lower);
    put(out.signal_upper, i, std::uint8_t{p.signal_upper});
    put(out.signal_lower, i, std::uint8_t{p.signal_lower});
    count(sum.counts, i, std::isnan(y[i]), p.signal_upper, p.signal_lower);
  }
  return sum;
}

bernoulli_cusum_result bernoulli_cusum(std::span<const double> y, const bernoulli_cusum_options& o) {
  bernoulli_cusum_result r;
  for (auto* v : {&r.w_upper, &r.w_lower, &r.upper, &r.lower}) v->resize(y.size());
  r.signal_upper.resize(y.size());
  r.signal_lower.resize(y.size());
  r.summary = bernoulli_cusum_into(y, o, r.columns());
  return r;
}

std::string save(const bernoulli_cusum_state& s) {
  return json_writer("bernoulli")
      .field("p0", s.p0)
      .field("odds_ratio", s.odds_ratio)
      .field("limit", s.limit)
      .field("reset", s.reset)
      .field("points", s.points)
      .field("values", s.values)
      .field("upper", s.upper)
      .field("lower", s.lower)
      .field("signal_upper", s.signal_upper)
      .field("signal_lower", s.signal_lower)
      .done();
}

void restore(std::string_view text, bernoulli_cusum_state& state) {
  json_reader in(text, "bernoulli");
  bernoulli_cusum_state s;
  s.p0 = in.number_field("p0");
  s.odds_ratio = in.number_field("odds_ratio");
  s.limit = in.number_field("limit");
  s.reset = in.bool_field("reset");
  s.points = in.unsigned_field("points");
  s.values = in.unsigned_field("values");
  s.upper = in.number_field("upper");
  s.lower = in.number_field("lower");
  s.signal_upper = in.bool_field("signal_upper");
  s.signal_lower = in.bool_field("signal_lower");
  bernoulli_cusum_options o;
  o.p0 = s.p0;
  o.odds_ratio = s.odds_ratio;
  o.limit = s.limit;
  check_restored(in, find_problem(o));
  if (s.values > s.points) in.fail("more values than points");
  if (s.upper < 0 || s.lower > 0) in.fail("upper must be at least 0 and lower at most 0");
  state = s;
}

// --- Risk-adjusted CUSUM --------------------------------------------------------------------------

std::optional<input_error> find_problem(const racusum_options& o) {
  if (auto e = check_above("ra", o.ra, 0, "a positive finite odds ratio (2: a doubling of the odds; 0.5: a halving)"))
    return e;
  if (auto e = check_above("r0", o.r0, 0, "a positive finite odds ratio (1: the risk model holds)")) return e;
  if (o.ra == o.r0)
    return input_error("ra", input_error::npos,
                       fmt::format("must differ from r0 = {}: the chart tests r0 against ra", number(o.r0)));
  if (auto e = check_above("h", o.h, 0, "a positive finite number")) return e;
  return std::nullopt;
}

racusum_state start(const racusum_options& o) {
  if (auto e = find_problem(o)) raise(e);
  racusum_state s;
  s.ra = o.ra;
  s.r0 = o.r0;
  s.h = o.h;
  s.reset = o.reset;
  return s;
}

double racusum_weight(double y, double p, double ra, double r0) noexcept {
  // Steiner et al. (2000), eq. (2): the log-likelihood ratio of odds ratio ra against r0 for one
  // patient of predicted risk p.
  const double null_odds = 1 - p + r0 * p, alt_odds = 1 - p + ra * p;
  return y == 1 ? std::log(null_odds * ra / (alt_odds * r0)) : std::log(null_odds / alt_odds);
}

racusum_point update(racusum_state& s, double y, double risk) {
  const std::uint64_t at = s.points++;
  check_outcome(chart_type::racusum, y, at);
  check_risk(risk, at);
  if (std::isnan(y) || std::isnan(risk)) return {};
  ++s.values;
  racusum_point p;
  p.w = racusum_weight(y, risk, s.ra, s.r0);
  const double from = s.reset && s.signal ? 0.0 : s.cusum;
  s.cusum = std::max(0.0, from + p.w);
  s.signal = s.cusum > s.h;
  p.cusum = s.cusum;
  p.signal = s.signal;
  return p;
}

racusum_summary racusum_into(std::span<const double> y, std::span<const double> risk, const racusum_options& o,
                             const racusum_columns& out) {
  if (auto e = find_problem(o)) raise(e);
  const std::size_t m = y.size();
  check_size("w", out.w, m);
  check_size("cusum", out.cusum, m);
  check_size("signal", out.signal, m);
  check_risks(chart_type::racusum, y, risk);
  racusum_summary sum;
  sum.state = start(o);
  for (std::size_t i = 0; i < m; ++i) {
    const racusum_point p = update(sum.state, y[i], risk[i]);
    put(out.w, i, p.w);
    put(out.cusum, i, p.cusum);
    put(out.signal, i, std::uint8_t{p.signal});
    count(sum.counts, i, std::isnan(p.w), p.signal, false);
  }
  return sum;
}

racusum_result racusum(std::span<const double> y, std::span<const double> risk, const racusum_options& o) {
  racusum_result r;
  r.w.resize(y.size());
  r.cusum.resize(y.size());
  r.signal.resize(y.size());
  r.summary = racusum_into(y, risk, o, r.columns());
  return r;
}

std::string save(const racusum_state& s) {
  return json_writer("racusum")
      .field("ra", s.ra)
      .field("r0", s.r0)
      .field("h", s.h)
      .field("reset", s.reset)
      .field("points", s.points)
      .field("values", s.values)
      .field("cusum", s.cusum)
      .field("signal", s.signal)
      .done();
}

void restore(std::string_view text, racusum_state& state) {
  json_reader in(text, "racusum");
  racusum_state s;
  s.ra = in.number_field("ra");
  s.r0 = in.number_field("r0");
  s.h = in.number_field("h");
  s.reset = in.bool_field("reset");
  s.points = in.unsigned_field("points");
  s.values = in.unsigned_field("values");
  s.cusum = in.number_field("cusum");
  s.signal = in.bool_field("signal");
  racusum_options o;
  o.ra = s.ra;
  o.r0 = s.r0;
  o.h = s.h;
  check_restored(in, find_problem(o));
  if (s.values > s.points) in.fail("more values than points");
  if (s.cusum < 0) in.fail("cusum must be at least 0");
  state = s;
}

// --- VLAD -----------------------------------------------------------------------------------------

vlad_state start(const vlad_options&) { return {}; }

vlad_point update(vlad_state& s, double y, double risk) {
  const std::uint64_t at = s.points++;
  check_outcome(chart_type::vlad, y, at);
  check_risk(risk, at);
  if (std::isnan(y) || std::isnan(risk)) return {};
  ++s.values;
  s.vlad += risk - y;  // expected minus observed (Lovegrove et al. 1997)
  return {s.vlad};
}

vlad_summary vlad_into(std::span<const double> y, std::span<const double> risk, const vlad_columns& out) {
  const std::size_t m = y.size();
  check_size("vlad", out.vlad, m);
  check_risks(chart_type::vlad, y, risk);
  vlad_summary sum;
  for (std::size_t i = 0; i < m; ++i) {
    const vlad_point p = update(sum.state, y[i], risk[i]);
    put(out.vlad, i, p.vlad);
    count(sum.counts, i, std::isnan(p.vlad), false, false);
  }
  return sum;
}

vlad_result vlad(std::span<const double> y, std::span<const double> risk) {
  vlad_result r;
  r.vlad.resize(y.size());
  r.summary = vlad_into(y, risk, r.columns());
  return r;
}

std::string save(const vlad_state& s) {
  return json_writer("vlad").field("points", s.points).field("values", s.values).field("vlad", s.vlad).done();
}

void restore(std::string_view text, vlad_state& state) {
  json_reader in(text, "vlad");
  vlad_state s;
  s.points = in.unsigned_field("points");
  s.values = in.unsigned_field("values");
  s.vlad = in.number_field("vlad");
  check_restored(in, std::nullopt);
  if (s.values > s.points) in.fail("more values than points");
  state = s;
}

// --- Any sequential chart ---------------------------------------------------------------------------

std::optional<input_error> find_problem(const sequential_options& o) {
  switch (o.chart) {
    case chart_type::cusum: return find_problem(o.cusum);
    case chart_type::ewma: return find_problem(o.ewma);
    case chart_type::bernoulli: return find_problem(o.bernoulli);
    case chart_type::racusum: return find_problem(o.racusum);
    case chart_type::vlad: return std::nullopt;
    default: break;
  }
  return input_error("chart", input_error::npos,
                     fmt::format("the {} chart is not a sequential chart (those are cusum, ewma, bernoulli, racusum "
                                 "and vlad); spc::qic computes it",
                                 to_string(o.chart)));
}

const sequential_counts& counts_of(const sequential_summary& s) noexcept {
  static const sequential_counts none{};
  return std::visit(
      [](const auto& v) -> const sequential_counts& {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>)
          return none;
        else
          return v.counts;
      },
      s);
}

sequential_summary sequential_into(std::span<const double> y, std::span<const double> risk, const sequential_options& o,
                                   const sequential_columns& out, workspace& ws) {
  if (auto e = find_problem(o)) raise(e);
  const chart_info& ci = info(o.chart);
  if (!ci.reads_risk && !risk.empty())
    throw input_error("risk", input_error::npos,
                      fmt::format("a {} chart takes no predicted risks (only racusum and vlad do)", ci.name));
  const std::size_t m = y.size();
  for (auto c : {out.statistic, out.lower, out.weight, out.weight_lower, out.lcl, out.ucl}) check_size("columns", c, m);
  for (auto c : {out.signal_upper, out.signal_lower}) check_size("columns", c, m);
  // Columns a chart does not have are written as missing (signals 0), so that a column means the
  // same whichever chart wrote it.
  auto limits = [&](double lcl, double ucl) {
    std::fill(out.lcl.begin(), out.lcl.end(), lcl);
    std::fill(out.ucl.begin(), out.ucl.end(), ucl);
  };
  switch (o.chart) {
    case chart_type::cusum: {
      const cusum_summary s = cusum_into(y, o.cusum, {out.statistic, out.lower, out.signal_upper, out.signal_lower}, ws);
      fill_missing(out.weight);
      fill_missing(out.weight_lower);
      limits(s.lcl(), s.ucl());
      return s;
    }
    case chart_type::ewma: {
      const ewma_summary s = ewma_into(y, o.ewma, {out.statistic, out.lcl, out.ucl, out.signal_upper}, ws);
      fill_missing(out.lower);
      fill_missing(out.weight);
      fill_missing(out.weight_lower);
      fill_zero(out.signal_lower);
      return s;
    }
    case chart_type::bernoulli: {
      const bernoulli_cusum_summary s = bernoulli_cusum_into(
          y, o.bernoulli, {out.weight, out.weight_lower, out.statistic, out.lower, out.signal_upper, out.signal_lower});
      limits(-s.state.limit, s.state.limit);
      return s;
    }
    case chart_type::racusum: {
      const racusum_summary s = racusum_into(y, risk, o.racusum, {out.weight, out.statistic, out.signal_upper});
      fill_missing(out.lower);
      fill_missing(out.weight_lower);
      fill_zero(out.signal_lower);
      limits(na, s.state.h);
      return s;
    }
    case chart_type::vlad: {
      const vlad_summary s = vlad_into(y, risk, {out.statistic});
      fill_missing(out.lower);
      fill_missing(out.weight);
      fill_missing(out.weight_lower);
      fill_zero(out.signal_upper);
      fill_zero(out.signal_lower);
      limits(na, na);
      return s;
    }
    default: break;
  }
  return {};  // unreachable: find_problem refuses the other charts
}

}  // namespace spc
