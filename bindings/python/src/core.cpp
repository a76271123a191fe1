// spc._core: the pybind11 bindings of the spc library for the Python package `spc`.
//
// The Python front end (bindings/python/spc) turns DataFrames and arrays into flat float64
// columns with series offsets (one series per group of `by=`, or a single series), fills the
// library's option structs (bound here as ChartOptions, RuleOptions, MdcOptions) and makes one
// call:
//   - `qic_batch`: every chart of the batch, with its special-cause rules when asked for, by the
//     library's batch engine (spc::qic_batch, OpenMP over series);
//   - `mdc_batch`: NHS "Making Data Count" charts for every series, by the same engine in its MDC
//     mode (spc::mdc_chart_into per series, with any other rules per period);
//   - `summarise_subgroups`: subgroup mean, size and sd of raw measurements (xbar, s);
//   - `chart_table` and `check_inputs`: the library's description of every chart type, which the
//     front end reads instead of keeping its own.
// Every number of every chart is computed by the C++ library, never in Python. The results come
// back as dicts of numpy arrays: the per-point columns (moved out of spc::batch_result, not
// copied) and one column per field of the summary structs, named by one field table per struct
// (`fields<S>` below). Bad data in a series is reported back as a list of problems (series,
// argument, index, problem), which the front end raises in the user's terms (column, row, group)
// or turns into a warning; a malformed call raises `spc._core.EngineError(argument, index,
// problem, series)`, a ValueError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "spc/batch.hpp"
#include "spc/chart.hpp"
#include "spc/chart_type.hpp"
#include "spc/mdc.hpp"
#include "spc/rules.hpp"
#include "spc/subgroups.hpp"
#include "spc/types.hpp"
#include "spc/version.hpp"

namespace py = pybind11;

namespace {

using f64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using i64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
/// Per-series positions: (values, offsets), the positions of series g being
/// values[offsets[g]:offsets[g+1]] (1-based).
using csr = std::pair<i64, i64>;
constexpr std::size_t no_series = std::numeric_limits<std::size_t>::max();

py::handle engine_error_type;  // spc._core.EngineError, set at module import

py::object index_or_none(std::size_t index) {
  return index == spc::input_error::npos ? py::object(py::none()) : py::object(py::int_(index));
}

[[noreturn]] void raise_engine_error(const std::string& argument, std::size_t index, const std::string& problem,
                                     std::size_t series = no_series) {
  py::tuple args = py::make_tuple(argument, index_or_none(index), problem,
                                  series == no_series ? py::object(py::none()) : py::object(py::int_(series)));
  PyErr_SetObject(engine_error_type.ptr(), args.ptr());
  throw py::error_already_set();
}

[[noreturn]] void raise_engine_error(const spc::input_error& e) {
  raise_engine_error(e.argument(), e.index(), e.problem());
}

[[noreturn]] void bad_argument(const std::string& argument, const std::string& problem) {
  raise_engine_error(argument, spc::input_error::npos, problem);
}

template <class T>
std::span<const T> view(const py::array_t<T, py::array::c_style | py::array::forcecast>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// ---------------------------------------------------------------------------------------------
// Names of the chart table's enums (the library names the others: to_string / parse_*)
// ---------------------------------------------------------------------------------------------

const char* name_of(spc::denominator_use d) {
  switch (d) {
    case spc::denominator_use::none: return "none";
    case spc::denominator_use::optional: return "optional";
    case spc::denominator_use::required: return "required";
  }
  return "";
}

const char* name_of(spc::value_domain d) {
  switch (d) {
    case spc::value_domain::any: return "any";
    case spc::value_domain::nonnegative: return "nonnegative";
    case spc::value_domain::positive: return "positive";
  }
  return "";
}

const char* name_of(spc::row_aggregation a) {
  switch (a) {
    case spc::row_aggregation::mean: return "mean";
    case spc::row_aggregation::sum: return "sum";
    case spc::row_aggregation::subgroup: return "subgroup";
  }
  return "";
}

spc::chart_type chart_of(const std::string& name) {
  const auto c = spc::parse_chart_type(name);
  if (!c) bad_argument("chart", "unknown chart '" + name + "'");
  return *c;
}

// ---------------------------------------------------------------------------------------------
// The field tables: each result struct's fields, named as the Python front end reads them. A
// field that is itself a struct with a table is flattened into its parent's columns.
// ---------------------------------------------------------------------------------------------

template <class M>
struct field {
  const char* name;
  M member;  // a data member pointer, or a const member function pointer
};
template <class M>
field(const char*, M) -> field<M>;

template <class S>
struct fields {};  // specialised: `static constexpr std::tuple list`, one `field` per column

template <>
struct fields<spc::runs_result> {
  using R = spc::runs_result;
  static constexpr std::tuple list{
      field{"n_obs", &R::n_obs}, field{"n_useful", &R::n_useful}, field{"longest_run", &R::longest_run},
      field{"longest_run_max", &R::longest_run_max}, field{"n_crossings", &R::n_crossings},
      field{"n_crossings_min", &R::n_crossings_min}, field{"runs_signal", &R::runs_signal},
      field{"runs_defined", &R::defined}};
};

template <>
struct fields<spc::part_summary> {
  using P = spc::part_summary;
  static constexpr std::tuple list{
      field{"part", &P::part}, field{"first", &P::first}, field{"last", &P::last}, field{"cl", &P::cl},
      field{"lcl", &P::lcl}, field{"ucl", &P::ucl}, field{"n_sigma_signals", &P::n_sigma_signals},
      field{"n_missing", &P::n_missing}, field{"n_excluded", &P::n_excluded}, field{"runs", &P::runs}};
};

template <>
struct fields<spc::series_part> {
  using S = spc::series_part;
  static constexpr std::tuple list{
      field{"series", &S::series}, field{"n_points", &S::n_points}, field{"summary", &S::summary},
      field{"last_y", &S::last_y}, field{"last_sigma_signal", &S::last_sigma_signal},
      field{"rules_fired", &S::rules_fired}, field{"n_rule_points", &S::n_rule_points},
      field{"last_rule", &S::last_rule}, field{"last_variation", &S::last_variation}};
};

template <>
struct fields<spc::rules_summary> {
  using R = spc::rules_summary;
  static constexpr std::tuple list{
      field{"evaluated", &R::evaluated}, field{"fired", &R::fired},
      field{"points", &R::points},  // points flagged by each rule: a (rows, rule_count) array
      field{"n_points", &R::n_points}, field{"ihi_useful", &R::ihi_useful}, field{"ihi_runs", &R::ihi_runs},
      field{"ihi_runs_lower", &R::ihi_runs_lower}, field{"ihi_runs_upper", &R::ihi_runs_upper},
      field{"ihi_runs_from_table", &R::ihi_runs_from_table}, field{"anhoej_useful", &R::anhoej_useful},
      field{"longest_run", &R::longest_run}, field{"longest_run_max", &R::longest_run_max},
      field{"crossings", &R::crossings}, field{"crossings_min", &R::crossings_min}};
};

// A period's `rules` is not here: it is the batch summary's `rules` row of the period.
template <>
struct fields<spc::mdc_period> {
  using P = spc::mdc_period;
  static constexpr std::tuple list{
      field{"period", &P::period}, field{"first", &P::first}, field{"last", &P::last},
      field{"n_points", &P::n_points}, field{"n_missing", &P::n_missing}, field{"mean", &P::mean},
      field{"amr", &P::amr}, field{"lpl", &P::lpl}, field{"upl", &P::upl},
      field{"improvement", &P::improvement}, field{"concern", &P::concern},
      field{"neutral_high", &P::neutral_high}, field{"neutral_low", &P::neutral_low},
      field{"common_cause", &P::common_cause}, field{"variation", &P::variation},
      field{"assurance", &P::assurance}, field{"trial_limits", &P::trial_limits}};
};

// The per-point columns of a batch (each a std::vector, moved into a numpy array).
template <>
struct fields<spc::batch_result> {
  using B = spc::batch_result;
  static constexpr std::tuple list{
      field{"y", &B::y}, field{"cl", &B::cl}, field{"lcl", &B::lcl}, field{"ucl", &B::ucl},
      field{"lcl_95", &B::lcl_95}, field{"ucl_95", &B::ucl_95}, field{"part", &B::part},
      field{"baseline", &B::baseline}, field{"include", &B::include}, field{"sigma_signal", &B::sigma_signal},
      field{"fired", &B::fired}, field{"label", &B::label}, field{"direction", &B::direction},
      field{"cause", &B::cause}, field{"type", &B::type}};
};

template <class S>
concept has_fields = requires { fields<S>::list; };

template <class T>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

// The numpy element of a field: enums as their underlying integer, sizes and positions as int64.
template <class T>
auto element(T v) {
  if constexpr (std::is_enum_v<T>)
    return static_cast<std::underlying_type_t<T>>(v);
  else if constexpr (std::is_same_v<T, std::size_t>)
    return static_cast<std::int64_t>(v);
  else
    return v;
}

template <class Get>
void add_columns(py::dict& out, std::size_t rows, Get get);

// One column `name` of `rows` rows, row k being get(k); a struct with a table becomes its columns.
template <class Get>
void add_column(py::dict& out, std::size_t rows, const char* name, Get get) {
  using T = std::remove_cvref_t<decltype(get(0))>;
  if constexpr (has_fields<T>) {
    add_columns(out, rows, get);
  } else if constexpr (is_std_array<T>::value) {
    using E = decltype(element(get(0)[0]));
    const std::size_t width = std::tuple_size_v<T>;
    py::array_t<E> a(std::vector<py::ssize_t>{static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(width)});
    E* p = a.mutable_data();
    for (std::size_t k = 0; k < rows; ++k)
      for (std::size_t j = 0; j < width; ++j) p[k * width + j] = element(get(k)[j]);
    out[name] = a;
  } else {
    using E = decltype(element(get(0)));
    py::array_t<E> a(static_cast<py::ssize_t>(rows));
    E* p = a.mutable_data();
    for (std::size_t k = 0; k < rows; ++k) p[k] = element(get(k));
    out[name] = a;
  }
}

// The columns of `rows` structs, row k being get(k), from the struct's field table.
template <class Get>
void add_columns(py::dict& out, std::size_t rows, Get get) {
  using S = std::remove_cvref_t<decltype(get(0))>;
  std::apply(
      [&](const auto&... f) {
        (add_column(out, rows, f.name,
                    [&get, &f](std::size_t k) -> decltype(auto) { return std::invoke(f.member, get(k)); }),
         ...);
      },
      fields<S>::list);
}

template <class S>
py::dict columns_of(const std::vector<S>& rows) {
  py::dict out;
  add_columns(out, rows.size(), [&rows](std::size_t k) -> const S& { return rows[k]; });
  return out;
}

// A vector handed to numpy without a copy (numpy owns it through a capsule). Flags (uint8 0/1)
// become numpy booleans, enums their underlying integer.
template <class T>
py::array to_numpy(std::vector<T>&& v) {
  py::dtype dtype = [] {
    if constexpr (std::is_same_v<T, std::uint8_t>)
      return py::dtype("bool");
    else
      return py::dtype::of<decltype(element(T{}))>();
  }();
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array(dtype, {static_cast<py::ssize_t>(owned->size())}, {static_cast<py::ssize_t>(sizeof(T))},
                   owned->data(), owner);
}

py::dict point_columns(spc::batch_result& r) {
  py::dict out;
  std::apply([&](const auto&... f) { ((out[f.name] = to_numpy(std::move(r.*(f.member)))), ...); },
             fields<spc::batch_result>::list);
  return out;
}

py::list problems_list(const std::vector<spc::series_problem>& problems) {
  py::list out;
  for (const auto& p : problems)
    out.append(py::make_tuple(p.series, p.error.argument(), index_or_none(p.error.index()), p.error.problem()));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The batch call, shared by the standard charts and the Making Data Count mode
// ---------------------------------------------------------------------------------------------

// Series boundaries as the library takes them (std::size_t), checked.
std::vector<std::size_t> boundaries(const i64& offsets, std::size_t rows) {
  const auto off = view(offsets);
  if (off.empty()) bad_argument("offsets", "needs at least one boundary (0)");
  std::vector<std::size_t> out(off.size());
  for (std::size_t k = 0; k < off.size(); ++k) {
    if (off[k] < 0 || (k > 0 && off[k] < off[k - 1])) bad_argument("offsets", "must not decrease from 0");
    out[k] = static_cast<std::size_t>(off[k]);
  }
  if (out.front() != 0 || out.back() != rows) bad_argument("offsets", "must run from 0 to the number of rows");
  return out;
}

// The positions of every series from a CSR pair, checked; nothing when none is given.
std::optional<std::vector<std::vector<std::size_t>>> series_positions(const char* what, const std::optional<csr>& c,
                                                                      std::size_t groups) {
  if (!c) return std::nullopt;
  const auto values = view(c->first), offsets = view(c->second);
  if (offsets.size() != groups + 1 || offsets[0] != 0 ||
      offsets[groups] != static_cast<std::int64_t>(values.size()))
    bad_argument(what, "the offsets do not match the series");
  std::vector<std::vector<std::size_t>> out(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    if (offsets[g + 1] < offsets[g]) bad_argument(what, "the offsets must not decrease");
    for (auto k = offsets[g]; k < offsets[g + 1]; ++k) {
      if (values[k] < 1) bad_argument(what, "positions are 1-based (the first point is 1)");
      out[g].push_back(static_cast<std::size_t>(values[k]));
    }
  }
  return out;
}

struct batch_call {
  std::vector<std::size_t> offsets;
  spc::batch_input input;
  std::vector<spc::chart_options> sets;
  std::vector<spc::batch_rules> rules;  // empty, or one per set
  std::vector<std::uint32_t> set_of_series;

  batch_call(const f64& y, const std::optional<f64>& n, const std::optional<f64>& sd, const i64& off)
      : offsets(boundaries(off, static_cast<std::size_t>(y.size()))) {
    input = {view(y), n ? view(*n) : std::span<const double>{}, sd ? view(*sd) : std::span<const double>{},
             offsets};
  }
  std::size_t series() const { return offsets.size() - 1; }

  // One option set per run of consecutive series whose `positions` are the same (usually one set
  // for every series): `make(positions)` builds the set.
  template <class Make>
  void group(const std::optional<std::vector<std::vector<std::size_t>>>& positions, Make make) {
    set_of_series.assign(series(), 0);
    if (!positions) {
      make(std::vector<std::size_t>{});
      return;
    }
    const std::vector<std::size_t>* last = nullptr;
    for (std::size_t g = 0; g < series(); ++g) {
      if (!last || *last != (*positions)[g]) make((*positions)[g]);
      last = &(*positions)[g];
      set_of_series[g] = static_cast<std::uint32_t>(sets.size() - 1);
    }
    if (sets.empty()) make(std::vector<std::size_t>{});
  }

  py::dict run(int threads, bool mdc) {
    spc::batch_options options;
    options.sets = sets;
    options.set_of_series = set_of_series;
    options.rules = rules;
    options.ratio = !input.n.empty();
    options.threads = threads;
    spc::batch_result r;
    try {
      py::gil_scoped_release release;
      r = spc::qic_batch(input, options);
    } catch (const spc::input_error& e) {
      raise_engine_error(e);
    }
    const spc::batch_summary& sum = r.summary;
    py::dict result;
    result["parts"] = columns_of(sum.parts);
    if (!rules.empty()) result["rules"] = columns_of(sum.rules);
    if (mdc) result["periods"] = columns_of(sum.periods);
    py::array_t<std::int64_t> part_offsets(static_cast<py::ssize_t>(sum.part_offsets.size()));
    py::array_t<bool> ok(static_cast<py::ssize_t>(series()));
    for (std::size_t k = 0; k < sum.part_offsets.size(); ++k)
      part_offsets.mutable_at(k) = static_cast<std::int64_t>(sum.part_offsets[k]);
    for (std::size_t g = 0; g < series(); ++g) ok.mutable_at(g) = sum.status[g] == spc::series_status::ok;
    result["part_offsets"] = part_offsets;
    result["ok"] = ok;
    result["problems"] = problems_list(sum.problems);
    result["option_sets"] = sets.size();
    if (mdc) result["series"] = mdc_series(sum);
    result["points"] = point_columns(r);
    return result;
  }

  // The results of each MDC series: the variation of its last period with a value, the assurance
  // of its last period (as spc::mdc_chart_into reports them for a series).
  py::dict mdc_series(const spc::batch_summary& sum) const {
    py::array_t<std::uint8_t> variation(static_cast<py::ssize_t>(series())),
        assurance(static_cast<py::ssize_t>(series()));
    for (std::size_t g = 0; g < series(); ++g) {
      auto v = spc::point_type::common_cause;
      auto a = spc::assurance_type::none;
      for (std::size_t k = sum.part_offsets[g]; k < sum.part_offsets[g + 1]; ++k) {
        const spc::mdc_period& p = sum.periods[k];
        if (p.n_points > p.n_missing) v = p.variation;
        a = p.assurance;
      }
      variation.mutable_at(g) = static_cast<std::uint8_t>(v);
      assurance.mutable_at(g) = static_cast<std::uint8_t>(a);
    }
    py::dict out;
    out["variation"] = variation;
    out["assurance"] = assurance;
    return out;
  }
};

// Options wrong for every series alike, named as the library names them ("we.run",
// "fix_after_n_points", ...), before the batch engine would name its option set.
void check(const spc::rule_options& rules) {
  if (auto e = spc::find_problem(rules)) raise_engine_error(*e);
}
void check(spc::mdc_options options) {
  for (std::size_t k = 1; k < options.rebase.size(); ++k)
    if (options.rebase[k] <= options.rebase[k - 1]) bad_argument("rebase", "positions must be strictly increasing");
  options.rebase.clear();  // positions beyond a series fail that series only
  if (auto e = spc::find_problem(std::span<const double>{}, options)) raise_engine_error(*e);
}

// Every chart of a batch: series g is y[offsets[g]:offsets[g+1]] (and n, sd alike), charted with
// `options`, its parts replaced by those of `parts` when given (part labels, read per series).
py::dict qic_batch(const f64& y, const std::optional<f64>& n, const std::optional<f64>& sd, const i64& offsets,
                   const spc::chart_options& options, const std::optional<spc::rule_options>& rules,
                   const std::optional<csr>& parts, int threads) {
  if (rules) check(*rules);
  batch_call call(y, n, sd, offsets);
  const auto positions = series_positions("part", parts, call.series());
  call.group(positions, [&](std::vector<std::size_t> at) {
    call.sets.push_back(options);
    if (positions) call.sets.back().parts = std::move(at);
  });
  if (rules) call.rules.assign(call.sets.size(), spc::batch_rules{*rules, std::nullopt});
  py::dict result = call.run(threads, false);
  result["rules_mask"] = rules ? rules->rules : spc::rule_mask{0};
  return result;
}

// Every Making Data Count chart of a batch (of y, or y / n with n, as the I chart plots it), its
// periods starting at `rebase` when given (per series) instead of `options.rebase`. The MDC rules
// are always evaluated, with `rules.mdc`; the other rules of `rules.rules` on every period.
py::dict mdc_batch(const f64& y, const std::optional<f64>& n, const i64& offsets, const spc::mdc_options& options,
                   const spc::rule_options& rules, const std::optional<csr>& rebase, int threads) {
  check(rules);
  check(options);
  batch_call call(y, n, std::nullopt, offsets);
  const auto positions = series_positions("rebase", rebase, call.series());
  spc::chart_options i_chart;
  i_chart.chart = spc::chart_type::i;
  call.group(positions, [&](std::vector<std::size_t> at) {
    call.sets.push_back(i_chart);
    call.rules.push_back(spc::batch_rules{rules, options});
    if (positions) call.rules.back().mdc->rebase = std::move(at);
  });
  py::dict result = call.run(threads, true);
  result["rules_mask"] = spc::rules_in(spc::rule_set::mdc) | rules.rules;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Subgroups, chart table, names
// ---------------------------------------------------------------------------------------------

// Subgroup mean, size and sd of raw measurements (Xbar and S charts); codes are 0-based.
py::tuple summarise_subgroups(const f64& values, const i64& codes, std::int64_t count) {
  if (values.size() != codes.size()) bad_argument("subgroup", "needs one subgroup code per measurement");
  if (count < 0) bad_argument("subgroup", "the number of subgroups must not be negative");
  std::vector<std::size_t> sub(static_cast<std::size_t>(codes.size()));
  const auto cv = view(codes);
  for (std::size_t k = 0; k < sub.size(); ++k) {
    if (cv[k] < 0 || cv[k] >= count) bad_argument("subgroup", "a subgroup code is out of range");
    sub[k] = static_cast<std::size_t>(cv[k]);
  }
  spc::subgroup_summary s;
  try {
    py::gil_scoped_release release;
    s = spc::summarise_subgroups(view(values), sub, static_cast<std::size_t>(count));
  } catch (const spc::input_error& e) {
    raise_engine_error(e);
  }
  return py::make_tuple(to_numpy(std::move(s.mean)), to_numpy(std::move(s.size)), to_numpy(std::move(s.sd)));
}

// The charts spc.qic computes: the run and Shewhart charts. The sequential charts of the table
// (cusum, ewma, bernoulli, racusum, vlad) have their own computation, not yet bound to Python.
py::list chart_table() {
  py::list out;
  for (const spc::chart_info& c : spc::chart_table()) {
    if (c.sequential()) continue;
    py::dict d;
    d["name"] = std::string(c.name);
    d["title"] = std::string(c.title);
    d["description"] = std::string(c.description);
    d["denominator"] = name_of(c.denominator);
    d["subgroup_sd"] = c.subgroup_sd;
    d["y_domain"] = name_of(c.y_domain);
    d["y_noun"] = std::string(c.y_noun);
    d["y_at_most_n"] = c.y_at_most_n;
    d["aggregation"] = name_of(c.aggregation);
    d["runs_signal"] = c.runs_signal;
    d["has_limits"] = c.has_limits;
    out.append(d);
  }
  return out;
}

py::object check_inputs(const std::string& chart, bool has_n, bool has_sd) {
  const auto problem = spc::check_inputs(spc::info(chart_of(chart)), has_n, has_sd);
  if (!problem) return py::none();
  return py::make_tuple(problem->argument(), problem->problem());
}

template <class E, class F>
py::list names(std::size_t count, F&& name) {
  py::list out;
  for (std::size_t k = 0; k < count; ++k) out.append(std::string(name(static_cast<E>(k))));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The option structs
// ---------------------------------------------------------------------------------------------

// A bound option struct whose __repr__ shows its fields: `field` for plain members, `named` for
// an enum read and written by its name ("p", "anhoej", "band_only", ...).
template <class S>
class options_class : public py::class_<S> {
 public:
  options_class(py::handle scope, const char* name, const char* doc) : py::class_<S>(scope, name, doc) {
    this->def(py::init<>());
    this->def("__repr__", [name = std::string(name), shown = shown_](const py::object& self) {
      std::string text = name + "(";
      for (std::size_t k = 0; k < shown->size(); ++k)
        text += (k ? ", " : "") + (*shown)[k] + "=" + py::repr(self.attr((*shown)[k].c_str())).cast<std::string>();
      return text + ")";
    });
    this->def("__eq__", [](const py::object& a, const py::object& b) { return py::repr(a).equal(py::repr(b)); });
    this->def("__copy__", [](const S& s) { return s; });
    this->def("__deepcopy__", [](const S& s, const py::dict&) { return s; }, py::arg("memo"));
  }
  template <class M>
  options_class& field(const char* name, M S::*member, const char* doc) {
    this->def_readwrite(name, member, doc);
    shown_->push_back(name);
    return *this;
  }
  template <class E>
  options_class& named(const char* name, E S::*member, std::optional<E> (*parse)(std::string_view) noexcept,
                       const char* doc) {
    this->def_property(
        name, [member](const S& s) { return std::string(spc::to_string(s.*member)); },
        [member, parse, name](S& s, const std::string& value) {
          const auto e = parse(value);
          if (!e) bad_argument(name, "unknown name '" + value + "'");
          s.*member = *e;
        },
        doc);
    shown_->push_back(name);
    return *this;
  }

 private:
  std::shared_ptr<std::vector<std::string>> shown_ = std::make_shared<std::vector<std::string>>();
};

void bind_options(py::module_& m) {
  options_class<spc::chart_options>(m, "ChartOptions", "spc::chart_options: one chart (positions 1-based).")
      .named("chart", &spc::chart_options::chart, &spc::parse_chart_type, "chart type name")
      .field("freeze", &spc::chart_options::freeze, "last point of the baseline; 0 = no freeze")
      .field("parts", &spc::chart_options::parts, "split after these positions")
      .field("exclude", &spc::chart_options::exclude, "positions left out of the calculations")
      .field("cl", &spc::chart_options::cl, "centre line given by the user; NaN = computed")
      .named("method", &spc::chart_options::method, &spc::parse_runs_method, "runs-analysis method")
      .field("screen_mr", &spc::chart_options::screen_mr, "screen large moving ranges out of sigma");

  options_class<spc::k_of_m>(m, "KOfM", "spc::k_of_m: k of m consecutive points beyond a band.")
      .field("k", &spc::k_of_m::k, "points beyond the band")
      .field("m", &spc::k_of_m::m, "window size")
      .def(py::init<std::int32_t, std::int32_t>(), py::arg("k"), py::arg("m"));

  using R = spc::rule_options;
  options_class<R> rules(m, "RuleOptions", "spc::rule_options: which rules, and their parameters.");
  options_class<R::ihi_options>(rules, "IHI", "IHI run-chart rules.")
      .field("shift", &R::ihi_options::shift, "points on one side of the median")
      .field("trend", &R::ihi_options::trend, "points steadily up or down");
  options_class<R::we_options>(rules, "WE", "Western Electric rules.")
      .field("two_of_three", &R::we_options::two_of_three, "WE 2: k of m beyond 2 sigma")
      .field("four_of_five", &R::we_options::four_of_five, "WE 3: k of m beyond 1 sigma")
      .field("run", &R::we_options::run, "WE 4: points on one side");
  options_class<R::nelson_options>(rules, "Nelson", "Nelson rules.")
      .field("run", &R::nelson_options::run, "Nelson 2: points on one side")
      .field("trend", &R::nelson_options::trend, "Nelson 3: points steadily up or down")
      .field("alternating", &R::nelson_options::alternating, "Nelson 4: points alternating")
      .field("two_of_three", &R::nelson_options::two_of_three, "Nelson 5: k of m beyond 2 sigma")
      .field("four_of_five", &R::nelson_options::four_of_five, "Nelson 6: k of m beyond 1 sigma")
      .field("stratification", &R::nelson_options::stratification, "Nelson 7: points within 1 sigma")
      .field("mixture", &R::nelson_options::mixture, "Nelson 8: points beyond 1 sigma, either side");
  options_class<R::mdc_options>(rules, "MDC", "Making Data Count rules.")
      .field("trend", &R::mdc_options::trend, "points steadily up or down")
      .field("shift", &R::mdc_options::shift, "points on one side of the mean")
      .named("two_in_three", &R::mdc_options::two_in_three, &spc::parse_two_in_three_policy,
             "band_only or beyond_2sigma");
  rules.field("rules", &R::rules, "the rule mask (see rule_mask())")
      .field("ihi", &R::ihi, "IHI parameters")
      .field("we", &R::we, "Western Electric parameters")
      .field("nelson", &R::nelson, "Nelson parameters")
      .field("mdc", &R::mdc, "Making Data Count parameters");

  options_class<spc::mdc_options>(m, "MdcOptions", "spc::mdc_options: one Making Data Count chart.")
      .named("direction", &spc::mdc_options::direction, &spc::parse_improvement_direction,
             "increase, decrease or neutral")
      .field("rebase", &spc::mdc_options::rebase, "points where a new period starts")
      .field("fix_after_n_points", &spc::mdc_options::fix_after_n_points, "baseline points per period; 0 = all")
      .field("screen_outliers", &spc::mdc_options::screen_outliers, "screen large moving ranges")
      .field("target", &spc::mdc_options::target, "target for the assurance; NaN = none")
      .field("trial_limit_points", &spc::mdc_options::trial_limit_points, "fewer points: trial limits");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "The C++ engine of spc (statistical process control); use spc.qic() instead.";
  static py::exception<spc::input_error> engine_error(m, "EngineError", PyExc_ValueError);
  engine_error_type = engine_error;
  m.attr("__version__") = SPC_VERSION_STRING;
#ifdef _OPENMP
  m.attr("openmp") = true;
#else
  m.attr("openmp") = false;
#endif
  bind_options(m);
  m.def("chart_table", &chart_table, "Every chart type's description (spc::chart_table()), as dicts.");
  m.def("check_inputs", &check_inputs, py::arg("chart"), py::arg("has_n"), py::arg("has_sd"),
        "The problem with which inputs a chart is given, as (argument, problem), or None.");
  m.def("method_names", [] { return names<spc::runs_method>(3, [](auto c) { return spc::to_string(c); }); });
  m.def("rule_names", [] { return names<spc::rule>(spc::rule_count + 1, [](auto r) { return spc::to_string(r); }); },
        "Rule names by rule number (the last is 'none').");
  m.def("rule_descriptions",
        [] { return names<spc::rule>(spc::rule_count + 1, [](auto r) { return spc::describe(r); }); });
  m.def("rule_set_names",
        [] { return names<spc::rule_set>(spc::rule_set_count, [](auto s) { return spc::to_string(s); }); });
  m.def("rule_mask", [](const std::string& list) -> py::object {
    const auto mask = spc::parse_rules(list);
    if (!mask) return py::none();
    return py::int_(*mask);
  }, "The rule mask of a comma-separated list of rule sets and rules, or None if unknown.");
  m.def("series_rules_mask", [] { return spc::series_rules; });
  m.def("special_cause_names",
        [] { return names<spc::special_cause>(9, [](auto c) { return spc::to_string(c); }); });
  m.def("special_cause_labels",
        [] { return names<spc::special_cause>(9, [](auto c) { return spc::ptd_label(c); }); },
        "NHSRplotthedots' special_cause_type labels, by special cause number.");
  m.def("point_type_names", [] { return names<spc::point_type>(5, [](auto t) { return spc::to_string(t); }); });
  m.def("point_type_labels", [] { return names<spc::point_type>(5, [](auto t) { return spc::ptd_label(t); }); },
        "NHSRplotthedots' point_type labels, by point type number.");
  m.def("assurance_names", [] { return names<spc::assurance_type>(4, [](auto a) { return spc::to_string(a); }); });
  m.def("qic_batch", &qic_batch, py::arg("y"), py::arg("n"), py::arg("sd"), py::arg("offsets"), py::arg("options"),
        py::arg("rules") = py::none(), py::arg("parts") = py::none(), py::arg("threads") = 0,
        "Every chart of a batch in one call of the batch engine (with the rules when given).");
  m.def("mdc_batch", &mdc_batch, py::arg("y"), py::arg("n"), py::arg("offsets"), py::arg("options"),
        py::arg("rules"), py::arg("rebase") = py::none(), py::arg("threads") = 0,
        "Every Making Data Count chart of a batch in one call (of y, or y / n with n, as the I chart plots it).");
  m.def("summarise_subgroups", &summarise_subgroups, py::arg("values"), py::arg("codes"), py::arg("count"),
        "Subgroup mean, size and standard deviation of raw measurements.");
}
