// spc._core: the pybind11 bindings of the spc library for the Python package `spc`.
//
// The Python front end (bindings/python/spc) turns DataFrames and arrays into flat float64
// columns with series offsets (one series per group of `by=`, or a single series) and calls
// `compute_batch` once; every number of every chart is computed here by the C++ engine
// (spc::compute), never in Python. Errors of the engine (spc::input_error) are raised as
// `spc._core.EngineError(argument, index, problem, series)`, a ValueError that the front end
// translates into the user's terms (column names, DataFrame rows, groups).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "spc/chart.hpp"
#include "spc/subgroups.hpp"
#include "spc/types.hpp"

namespace py = pybind11;

namespace {

using f64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using i64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

py::handle engine_error_type;  // spc._core.EngineError, set at module import

// A failure of one series of a batch: the engine's error and which series.
struct series_failure {
  std::size_t series = std::numeric_limits<std::size_t>::max();
  std::string argument;
  std::size_t index = spc::input_error::npos;
  std::string problem;
};

[[noreturn]] void raise_engine_error(const series_failure& f) {
  py::object index = f.index == spc::input_error::npos ? py::object(py::none()) : py::object(py::int_(f.index));
  py::tuple args = py::make_tuple(f.argument, index, f.problem, f.series);
  PyErr_SetObject(engine_error_type.ptr(), args.ptr());
  throw py::error_already_set();
}

[[noreturn]] void bad_argument(const std::string& argument, const std::string& problem) {
  raise_engine_error(series_failure{std::numeric_limits<std::size_t>::max(), argument,
                                    spc::input_error::npos, problem});
}

spc::chart_type chart_from(const std::string& name) {
  auto c = spc::parse_chart_type(name);
  if (!c) bad_argument("chart", "unknown chart '" + name + "'");
  return *c;
}

spc::runs_method method_from(const std::string& name) {
  auto m = spc::parse_runs_method(name);
  if (!m) bad_argument("method", "unknown runs-analysis method '" + name + "'");
  return *m;
}

template <class T>
std::span<const T> view(const py::array_t<T, py::array::c_style | py::array::forcecast>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

// Checks a CSR pair (values, offsets) of per-series positions.
void check_csr(const char* what, std::span<const std::int64_t> values, std::span<const std::int64_t> offsets,
               std::size_t groups) {
  if (offsets.size() != groups + 1 || offsets[0] != 0 ||
      offsets[groups] != static_cast<std::int64_t>(values.size()))
    bad_argument(what, "the offsets do not match the series");
  for (std::size_t g = 0; g < groups; ++g)
    if (offsets[g + 1] < offsets[g]) bad_argument(what, "the offsets must not decrease");
}

// All charts of a batch in one call. Series g is y[offsets[g]:offsets[g+1]] (and n, sd alike);
// its options are freeze[g], cl[g], parts[parts_offsets[g]:parts_offsets[g+1]] and
// exclude[exclude_offsets[g]:exclude_offsets[g+1]] (1-based positions within the series).
// Returns the per-point columns (length N) and the per-part columns (one row per part of every
// series, series by series; part_offsets[g] is the first part row of series g).
py::dict compute_batch(const f64& y, const std::optional<f64>& n, const std::optional<f64>& sd, const i64& offsets,
                       const std::string& chart, const std::string& method, bool screen, const i64& freeze,
                       const f64& cl, const i64& parts, const i64& parts_offsets, const i64& exclude,
                       const i64& exclude_offsets, int threads) {
  spc::chart_options base;
  base.chart = chart_from(chart);
  base.method = method_from(method);
  base.screen_mr = screen;

  const std::size_t N = static_cast<std::size_t>(y.size());
  if (offsets.size() < 1) bad_argument("offsets", "need at least one offset");
  const std::size_t G = static_cast<std::size_t>(offsets.size()) - 1;
  const auto off = view(offsets);
  if (off[0] != 0 || off[G] != static_cast<std::int64_t>(N)) bad_argument("offsets", "do not span y");
  for (std::size_t g = 0; g < G; ++g)
    if (off[g + 1] < off[g]) bad_argument("offsets", "must not decrease");
  if (n && static_cast<std::size_t>(n->size()) != N)
    bad_argument("n", "has " + std::to_string(n->size()) + " values but y has " + std::to_string(N));
  if (sd && static_cast<std::size_t>(sd->size()) != N)
    bad_argument("sd", "has " + std::to_string(sd->size()) + " values but y has " + std::to_string(N));
  if (static_cast<std::size_t>(freeze.size()) != G || static_cast<std::size_t>(cl.size()) != G)
    bad_argument("options", "freeze and cl need one value per series");
  const auto fr = view(freeze), pv = view(parts), po = view(parts_offsets), ev = view(exclude),
             eo = view(exclude_offsets);
  const auto clv = view(cl);
  check_csr("part", pv, po, G);
  check_csr("exclude", ev, eo, G);
  for (std::size_t g = 0; g < G; ++g)
    if (fr[g] < 0) bad_argument("freeze", "must not be negative");
  for (auto v : pv)
    if (v < 1) bad_argument("part", "positions are 1-based (the first point is 1)");
  for (auto v : ev)
    if (v < 1) bad_argument("exclude", "positions are 1-based (the first point is 1)");

  // Rows of the part table: one per part of every non-empty series.
  std::vector<std::int64_t> part_off(G + 1, 0);
  for (std::size_t g = 0; g < G; ++g)
    part_off[g + 1] = part_off[g] + (off[g + 1] > off[g] ? (po[g + 1] - po[g]) + 1 : 0);
  const std::size_t P = static_cast<std::size_t>(part_off[G]);

  // Outputs.
  py::array_t<double> o_y(N), o_cl(N), o_lcl(N), o_ucl(N), o_lcl95(N), o_ucl95(N);
  py::array_t<std::int32_t> o_part(N);
  py::array_t<bool> o_base(N), o_inc(N), o_sig(N);
  py::array_t<std::int64_t> p_series(P), p_first(P), p_last(P);
  py::array_t<std::int32_t> p_part(P), p_nsig(P), p_nobs(P), p_nuse(P), p_lr(P), p_lrm(P), p_nc(P), p_ncm(P);
  py::array_t<double> p_cl(P), p_lcl(P), p_ucl(P);
  py::array_t<bool> p_signal(P), p_defined(P);

  auto dspan = [](py::array_t<double>& a) { return std::span<double>(a.mutable_data(), static_cast<std::size_t>(a.size())); };
  auto bspan = [](py::array_t<bool>& a) {
    return std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(a.mutable_data()), static_cast<std::size_t>(a.size()));
  };
  const std::span<double> Y = dspan(o_y), CL = dspan(o_cl), LCL = dspan(o_lcl), UCL = dspan(o_ucl),
                          LCL95 = dspan(o_lcl95), UCL95 = dspan(o_ucl95);
  const std::span<std::int32_t> PART(o_part.mutable_data(), N);
  const std::span<std::uint8_t> BASE = bspan(o_base), INC = bspan(o_inc), SIG = bspan(o_sig);
  std::int64_t* ps = p_series.mutable_data();
  std::int64_t* pf = p_first.mutable_data();
  std::int64_t* pl = p_last.mutable_data();
  std::int32_t *pp = p_part.mutable_data(), *pns = p_nsig.mutable_data(), *pno = p_nobs.mutable_data(),
               *pnu = p_nuse.mutable_data(), *plr = p_lr.mutable_data(), *plrm = p_lrm.mutable_data(),
               *pnc = p_nc.mutable_data(), *pncm = p_ncm.mutable_data();
  double *pcl = p_cl.mutable_data(), *plcl = p_lcl.mutable_data(), *pucl = p_ucl.mutable_data();
  std::uint8_t* psig = bspan(p_signal).data();
  std::uint8_t* pdef = bspan(p_defined).data();

  const std::span<const double> yv = view(y);
  const std::span<const double> nv = n ? view(*n) : std::span<const double>{};
  const std::span<const double> sv = sd ? view(*sd) : std::span<const double>{};

  series_failure failure;
  std::atomic<std::size_t> first_bad{std::numeric_limits<std::size_t>::max()};
  std::mutex failure_mutex;

  {
    py::gil_scoped_release release;
    auto run_range = [&](std::int64_t begin, std::int64_t end, spc::workspace& ws, spc::chart_options& o,
                         std::vector<spc::part_summary>& local) {
      for (std::int64_t gi = begin; gi < end; ++gi) {
        const auto g = static_cast<std::size_t>(gi);
        if (g > first_bad.load(std::memory_order_relaxed)) continue;
        const auto a = static_cast<std::size_t>(off[g]);
        const auto m = static_cast<std::size_t>(off[g + 1] - off[g]);
        o.freeze = static_cast<std::size_t>(fr[g]);
        o.cl = clv[g];
        o.parts.assign(pv.begin() + po[g], pv.begin() + po[g + 1]);
        o.exclude.assign(ev.begin() + eo[g], ev.begin() + eo[g + 1]);
        spc::series_view s{yv.subspan(a, m), nv.empty() ? nv : nv.subspan(a, m), sv.empty() ? sv : sv.subspan(a, m)};
        spc::chart_columns cols{Y.subspan(a, m),     CL.subspan(a, m),    LCL.subspan(a, m),
                                UCL.subspan(a, m),   LCL95.subspan(a, m), UCL95.subspan(a, m),
                                PART.subspan(a, m),  BASE.subspan(a, m),  INC.subspan(a, m),
                                SIG.subspan(a, m)};
        local.clear();
        try {
          spc::compute(s, o, cols, local, ws);
        } catch (const spc::input_error& e) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (g < failure.series) failure = {g, e.argument(), e.index(), e.problem()};
          std::size_t cur = first_bad.load();
          while (g < cur && !first_bad.compare_exchange_weak(cur, g)) {
          }
          continue;
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (g < failure.series) failure = {g, "series", spc::input_error::npos, e.what()};
          std::size_t cur = first_bad.load();
          while (g < cur && !first_bad.compare_exchange_weak(cur, g)) {
          }
          continue;
        }
        auto r = static_cast<std::size_t>(part_off[g]);
        for (const spc::part_summary& p : local) {
          if (r >= static_cast<std::size_t>(part_off[g + 1])) break;
          ps[r] = static_cast<std::int64_t>(g);
          pp[r] = p.part;
          pf[r] = static_cast<std::int64_t>(p.first);
          pl[r] = static_cast<std::int64_t>(p.last);
          pcl[r] = p.cl;
          plcl[r] = p.lcl;
          pucl[r] = p.ucl;
          pns[r] = p.n_sigma_signals;
          pno[r] = p.runs.n_obs;
          pnu[r] = p.runs.n_useful;
          plr[r] = p.runs.longest_run;
          plrm[r] = p.runs.longest_run_max;
          pnc[r] = p.runs.n_crossings;
          pncm[r] = p.runs.n_crossings_min;
          psig[r] = p.runs.runs_signal;
          pdef[r] = p.runs.defined();
          ++r;
        }
      }
    };

#ifdef _OPENMP
    const int nthreads = threads > 0 ? threads : omp_get_max_threads();
    if (nthreads > 1 && G >= 256) {
#pragma omp parallel num_threads(nthreads)
      {
        spc::workspace ws;
        spc::chart_options o = base;
        std::vector<spc::part_summary> local;
#pragma omp for schedule(dynamic, 128)
        for (std::int64_t g = 0; g < static_cast<std::int64_t>(G); ++g) run_range(g, g + 1, ws, o, local);
      }
    } else
#endif
    {
      (void)threads;
      spc::workspace ws;
      spc::chart_options o = base;
      std::vector<spc::part_summary> local;
      run_range(0, static_cast<std::int64_t>(G), ws, o, local);
    }
  }
  if (failure.series != std::numeric_limits<std::size_t>::max()) raise_engine_error(failure);

  py::array_t<std::int64_t> o_part_off(static_cast<py::ssize_t>(G + 1));
  std::copy(part_off.begin(), part_off.end(), o_part_off.mutable_data());

  py::dict points;
  points["y"] = o_y;
  points["cl"] = o_cl;
  points["lcl"] = o_lcl;
  points["ucl"] = o_ucl;
  points["lcl_95"] = o_lcl95;
  points["ucl_95"] = o_ucl95;
  points["part"] = o_part;
  points["baseline"] = o_base;
  points["include"] = o_inc;
  points["sigma_signal"] = o_sig;
  py::dict partcols;
  partcols["series"] = p_series;
  partcols["part"] = p_part;
  partcols["first"] = p_first;
  partcols["last"] = p_last;
  partcols["cl"] = p_cl;
  partcols["lcl"] = p_lcl;
  partcols["ucl"] = p_ucl;
  partcols["n_sigma_signals"] = p_nsig;
  partcols["n_obs"] = p_nobs;
  partcols["n_useful"] = p_nuse;
  partcols["longest_run"] = p_lr;
  partcols["longest_run_max"] = p_lrm;
  partcols["n_crossings"] = p_nc;
  partcols["n_crossings_min"] = p_ncm;
  partcols["runs_signal"] = p_signal;
  partcols["runs_defined"] = p_defined;
  py::dict result;
  result["points"] = points;
  result["parts"] = partcols;
  result["part_offsets"] = o_part_off;
  return result;
}

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
    raise_engine_error({std::numeric_limits<std::size_t>::max(), e.argument(), e.index(), e.problem()});
  }
  auto to_array = [](const std::vector<double>& v) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
  };
  return py::make_tuple(to_array(s.mean), to_array(s.size), to_array(s.sd));
}

py::list chart_names() {
  py::list out;
  for (std::size_t k = 0; k < spc::chart_type_count; ++k)
    out.append(std::string(spc::to_string(static_cast<spc::chart_type>(k))));
  return out;
}

py::list method_names() {
  py::list out;
  for (auto m : {spc::runs_method::anhoej, spc::runs_method::bestbox, spc::runs_method::cutbox})
    out.append(std::string(spc::to_string(m)));
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "The C++ engine of spc (statistical process control); use spc.qic() instead.";
  static py::exception<spc::input_error> engine_error(m, "EngineError", PyExc_ValueError);
  engine_error_type = engine_error;
  m.attr("__version__") = SPC_VERSION;
#ifdef _OPENMP
  m.attr("openmp") = true;
#else
  m.attr("openmp") = false;
#endif
  m.def("chart_names", &chart_names, "The chart types, as named in qicharts2.");
  m.def("method_names", &method_names, "The runs-analysis methods.");
  m.def("compute_batch", &compute_batch, py::arg("y"), py::arg("n"), py::arg("sd"), py::arg("offsets"),
        py::arg("chart"), py::arg("method"), py::arg("screen"), py::arg("freeze"), py::arg("cl"), py::arg("parts"),
        py::arg("parts_offsets"), py::arg("exclude"), py::arg("exclude_offsets"), py::arg("threads") = 0,
        "Every chart of a batch in one call (see bindings/python/src/core.cpp).");
  m.def("summarise_subgroups", &summarise_subgroups, py::arg("values"), py::arg("codes"), py::arg("count"),
        "Subgroup mean, size and standard deviation of raw measurements.");
}
