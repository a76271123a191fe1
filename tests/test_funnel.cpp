// Funnel plots (spc/funnel.hpp): the golden suite of tests/data/golden/funnel in both modes, the
// specification's worked numbers, the invariants it states, bad input, and `spc funnel`.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "golden.hpp"
#include "io/csv_reader.hpp"
#include "io/csv_writer.hpp"
#include "spc/funnel.hpp"

namespace spc::test {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// The README's tolerance: 1e-9 relative plus 1e-12 absolute; infinities exactly; both missing.
bool agrees(double got, double want) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  if (std::isinf(got) || std::isinf(want)) return got == want;
  return std::abs(got - want) <= 1e-9 * std::max(std::abs(got), std::abs(want)) + 1e-12;
}

double cell_number(const std::string& cell) {
  if (cell == "-Inf") return -inf;
  if (cell == "Inf") return inf;
  double v = na;
  REQUIRE(io::parse_number(cell, v));
  return v;
}

constexpr const char* number_columns[] = {"y",         "n",         "ratio",      "z",
                                          "lcl_95",    "ucl_95",    "lcl_998",    "ucl_998",
                                          "od_lcl_95", "od_ucl_95", "od_lcl_998", "od_ucl_998"};
constexpr const char* summary_columns[] = {"n_units", "target", "phi", "tau2", "n_outliers_high", "n_outliers_low"};

struct golden_unit {
  std::string unit;
  std::map<std::string, double> value;  // number_columns
  bool outlier = false;
};

struct golden_mode {
  std::vector<golden_unit> units;
  std::map<std::string, double> summary;  // summary_columns
  bool overdispersed = false;
};

struct golden_funnel {
  int id = 0;
  funnel_options options;
  bool compat = false;
  std::size_t n_rows = 0;
  std::vector<std::string> row_unit;  // the input rows
  std::vector<double> row_y, row_n;
  golden_mode modes[2];  // default, funnelplotr
  const golden_mode& mode(bool funnelplotr) const { return modes[funnelplotr ? 1 : 0]; }
};

std::vector<golden_funnel> load_suite(const std::string& folder) {
  const auto c = io::read_csv(data_path(folder + "/cases.csv"));
  const auto in = io::read_csv(data_path(folder + "/input.csv"));
  const auto u = io::read_csv(data_path(folder + "/units.csv"));
  const auto s = io::read_csv(data_path(folder + "/summary.csv"));
  std::vector<golden_funnel> out;
  std::map<int, std::size_t> index;
  const auto ids = c.numbers("id"), target = c.numbers("target"), rows = c.numbers("n_rows");
  for (std::size_t k = 0; k < c.rows; ++k) {
    golden_funnel g;
    g.id = static_cast<int>(ids[k]);
    g.options.type = *parse_funnel_type(c.cells[c.column("type")][k]);
    const std::string& method = c.cells[c.column("sr_method")][k];
    if (!method.empty()) g.options.method = *parse_sr_method(method);
    g.options.adjustment = *parse_overdispersion(c.cells[c.column("overdispersion")][k]);
    if (!std::isnan(target[k])) g.options.target = target[k];
    g.compat = truth(c.cells[c.column("compat")][k]);
    g.n_rows = static_cast<std::size_t>(rows[k]);
    index[g.id] = out.size();
    out.push_back(std::move(g));
  }
  const auto in_id = in.numbers("id"), in_y = in.numbers("y"), in_n = in.numbers("n");
  for (std::size_t k = 0; k < in.rows; ++k) {
    auto& g = out[index.at(static_cast<int>(in_id[k]))];
    g.row_unit.push_back(in.cells[in.column("unit")][k]);
    g.row_y.push_back(in_y[k]);
    g.row_n.push_back(in_n[k]);
  }
  const auto u_id = u.numbers("id");
  for (std::size_t k = 0; k < u.rows; ++k) {
    auto& g = out[index.at(static_cast<int>(u_id[k]))];
    golden_unit gu;
    gu.unit = u.cells[u.column("unit")][k];
    for (const char* col : number_columns) gu.value[col] = cell_number(u.cells[u.column(col)][k]);
    gu.outlier = truth(u.cells[u.column("outlier")][k]);
    g.modes[u.cells[u.column("mode")][k] == "funnelplotr"].units.push_back(std::move(gu));
  }
  const auto s_id = s.numbers("id");
  for (std::size_t k = 0; k < s.rows; ++k) {
    auto& g = out[index.at(static_cast<int>(s_id[k]))];
    golden_mode& m = g.modes[s.cells[s.column("mode")][k] == "funnelplotr"];
    for (const char* col : summary_columns) m.summary[col] = cell_number(s.cells[s.column(col)][k]);
    m.overdispersed = truth(s.cells[s.column("overdispersed")][k]);
  }
  return out;
}

const std::vector<golden_funnel>& suite() {
  static const std::vector<golden_funnel> cases = load_suite("golden/funnel");
  return cases;
}

const std::vector<golden_funnel>& examples() {
  static const std::vector<golden_funnel> cases = load_suite("golden/funnel/examples");
  return cases;
}

// The units of a case, summed in order of first appearance (as `spc funnel` does).
struct summed {
  std::vector<std::string> unit;
  std::vector<double> y, n;
};

summed sum_rows(const golden_funnel& g) {
  summed s;
  std::map<std::string, std::size_t> at;
  for (std::size_t r = 0; r < g.row_unit.size(); ++r) {
    auto [it, added] = at.try_emplace(g.row_unit[r], s.unit.size());
    if (added) {
      s.unit.push_back(g.row_unit[r]);
      s.y.push_back(0);
      s.n.push_back(0);
    }
    s.y[it->second] += g.row_y[r];
    s.n[it->second] += g.row_n[r];
  }
  return s;
}

funnel_options options_in(const golden_funnel& g, bool funnelplotr) {
  funnel_options o = g.options;
  if (funnelplotr) o.compat = funnel_compat::funnelplotr;
  return o;
}

// The columns of one computed funnel (unit k) by golden column name.
double column(const funnel_units& u, const std::string& name, std::size_t k) {
  const std::map<std::string, const std::vector<double>*> by_name = {
      {"y", &u.y},           {"n", &u.n},           {"ratio", &u.ratio},         {"z", &u.z},
      {"lcl_95", &u.lcl_95}, {"ucl_95", &u.ucl_95}, {"lcl_998", &u.lcl_998},     {"ucl_998", &u.ucl_998},
      {"od_lcl_95", &u.od_lcl_95}, {"od_ucl_95", &u.od_ucl_95}, {"od_lcl_998", &u.od_lcl_998},
      {"od_ucl_998", &u.od_ucl_998}};
  return (*by_name.at(name))[k];
}

// Compares funnel units [first, first + names.size()) of `u` and a summary with a golden mode;
// returns the number of disagreements (each reported).
int compare(const golden_funnel& g, bool funnelplotr, const std::vector<std::string>& names, const funnel_units& u,
            std::size_t first, const funnel_summary& s) {
  const golden_mode& want = g.mode(funnelplotr);
  const char* mode = funnelplotr ? "funnelplotr" : "default";
  int bad = 0;
  if (names.size() != want.units.size()) {
    MESSAGE("case " << g.id << " " << mode << ": " << names.size() << " units, want " << want.units.size());
    return 1;
  }
  std::map<std::string, std::size_t> at;
  for (std::size_t k = 0; k < names.size(); ++k) at[names[k]] = first + k;
  for (const golden_unit& w : want.units) {
    const auto it = at.find(w.unit);
    if (it == at.end()) {
      MESSAGE("case " << g.id << " " << mode << ": unit " << w.unit << " missing");
      ++bad;
      continue;
    }
    for (const char* col : number_columns) {
      const double got = column(u, col, it->second);
      if (!agrees(got, w.value.at(col))) {
        ++bad;
        MESSAGE("case " << g.id << " " << mode << " unit " << w.unit << " " << col << ": got " << got << ", want "
                        << w.value.at(col));
      }
    }
    const bool outlier = u.outlier[it->second] == funnel_flag::high || u.outlier[it->second] == funnel_flag::low;
    if (outlier != w.outlier) {
      ++bad;
      MESSAGE("case " << g.id << " " << mode << " unit " << w.unit << " outlier: got " << outlier);
    }
  }
  const std::pair<const char*, double> got_summary[] = {{"n_units", static_cast<double>(s.n_units)},
                                                        {"target", s.target},
                                                        {"phi", s.phi},
                                                        {"tau2", s.tau2},
                                                        {"n_outliers_high", static_cast<double>(s.n_outliers_high)},
                                                        {"n_outliers_low", static_cast<double>(s.n_outliers_low)}};
  for (const auto& [col, got] : got_summary)
    if (!agrees(got, want.summary.at(col))) {
      ++bad;
      MESSAGE("case " << g.id << " " << mode << " summary " << col << ": got " << got << ", want "
                      << want.summary.at(col));
    }
  if (s.overdispersed != want.overdispersed) {
    ++bad;
    MESSAGE("case " << g.id << " " << mode << " overdispersed: got " << s.overdispersed);
  }
  return bad;
}

// Runs every case of a suite through `funnel` on the summed units; returns the cases compared.
int run_suite(const std::vector<golden_funnel>& cases, bool funnelplotr) {
  int compared = 0;
  for (const golden_funnel& g : cases) {
    if (funnelplotr && !g.compat) continue;
    CAPTURE(g.id);
    const summed s = sum_rows(g);
    const funnel_result r = funnel(s.y, s.n, options_in(g, funnelplotr));
    CHECK(compare(g, funnelplotr, s.unit, r.units, 0, r.summary) == 0);
    ++compared;
  }
  return compared;
}

const golden_funnel& example(int id) {
  for (const golden_funnel& g : examples())
    if (g.id == id) return g;
  FAIL("no example " << id);
  return examples().front();
}

// The unit labelled `label` of a funnel computed from an example's rows (one row per unit).
std::size_t unit_index(const golden_funnel& g, const std::string& label) {
  return static_cast<std::size_t>(std::find(g.row_unit.begin(), g.row_unit.end(), label) - g.row_unit.begin());
}

funnel_result run_example(int id, bool funnelplotr = false) {
  const golden_funnel& g = example(id);
  return funnel(g.row_y, g.row_n, options_in(g, funnelplotr));
}

}  // namespace

// --- The golden suite ------------------------------------------------------------------------------

TEST_CASE("funnel golden: all 40 cases agree with the specification's method at 1e-9") {
  REQUIRE(suite().size() == 40);
  CHECK(run_suite(suite(), false) == 40);
}

TEST_CASE("funnel golden: every compat case agrees with FunnelPlotR 0.6.0 at 1e-9") {
  const auto compat = std::count_if(suite().begin(), suite().end(), [](const golden_funnel& g) { return g.compat; });
  CHECK(compat == 27);
  CHECK(run_suite(suite(), true) == compat);
}

TEST_CASE("funnel golden: the worked examples' files agree in both modes") {
  REQUIRE(examples().size() == 6);
  CHECK(run_suite(examples(), false) == 6);
  CHECK(run_suite(examples(), true) == 5);
}

TEST_CASE("funnel golden: the whole suite as one batch with rows summed per unit on 1 and 2 threads") {
  // Every case a funnel of its own option set; the rows of units given twice are summed by the
  // batch; the results do not depend on the number of threads.
  for (const bool funnelplotr : {false, true}) {
    CAPTURE(funnelplotr);
    std::vector<double> y, n;
    std::vector<std::size_t> unit, offsets{0};
    std::vector<funnel_options> sets;
    std::vector<const golden_funnel*> cases;
    std::vector<std::vector<std::string>> names;
    for (const golden_funnel& g : suite()) {
      if (funnelplotr && !g.compat) continue;
      std::map<std::string, std::size_t> at;
      names.emplace_back();
      for (std::size_t r = 0; r < g.row_unit.size(); ++r) {
        auto [it, added] = at.try_emplace(g.row_unit[r], offsets.back() + names.back().size());
        if (added) names.back().push_back(g.row_unit[r]);
        unit.push_back(it->second);
        y.push_back(g.row_y[r]);
        n.push_back(g.row_n[r]);
      }
      offsets.push_back(offsets.back() + names.back().size());
      sets.push_back(options_in(g, funnelplotr));
      cases.push_back(&g);
    }
    const funnel_batch_input in{.y = y, .n = n, .unit = unit, .offsets = offsets};
    const funnel_batch_result one = funnel_batch(in, {.sets = sets, .threads = 1});
    const funnel_batch_result two = funnel_batch(in, {.sets = sets, .threads = 2});
    REQUIRE(one.problems.empty());
    for (std::size_t f = 0; f < cases.size(); ++f) {
      CAPTURE(cases[f]->id);
      CHECK(compare(*cases[f], funnelplotr, names[f], one.units, offsets[f], one.summaries[f]) == 0);
    }
    // Bitwise the same on two threads (NaN compares by its bits too).
    auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
      return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](double p, double q) {
               return (std::isnan(p) && std::isnan(q)) || p == q;
             });
    };
    CHECK(same(one.units.z, two.units.z));
    CHECK(same(one.units.lcl_998, two.units.lcl_998));
    CHECK(same(one.units.od_ucl_998, two.units.od_ucl_998));
    CHECK(one.units.outlier == two.units.outlier);
  }
}

// --- The specification's worked examples (§10) -------------------------------------------------------

namespace {
doctest::Approx approx(double v) { return doctest::Approx(v).epsilon(1e-9); }
}  // namespace

TEST_CASE("funnel example 1: proportions (auto) with exact limits and winsorising and tau2 and additive limits") {
  const golden_funnel& g = example(1);
  const funnel_result r = run_example(1);
  CHECK(r.summary.target == approx(1278.0 / 1560.0));
  const double z[] = {-2.978940, 0.609979, 0.655661, -1.308285, 0.688661,
                      2.462577,  -1.003424, 0.492016, -3.114342, 2.488847};
  for (std::size_t i = 0; i < 10; ++i) CHECK(r.units.z[i] == doctest::Approx(z[i]).epsilon(1e-6));
  CHECK(r.units.z[0] == approx(-2.97893957438342));
  // φ from the z-scores winsorised at the given 10th and 90th percentiles.
  double sum = 0;
  for (double v : r.units.z) sum += std::pow(std::clamp(v, -2.99247985161, 2.46520408453), 2);
  CHECK(sum / 10 == doctest::Approx(3.42073037528).epsilon(1e-10));
  CHECK(r.summary.phi == doctest::Approx(3.42073037528).epsilon(1e-11));
  // τ² = (Iφ − (I−1)) / (Σw − Σw²/Σw) with w = 4n: Σw = 6240, Σw² = 7409568.
  CHECK(r.summary.tau2 == approx((10 * r.summary.phi - 9) / (6240 - 7409568.0 / 6240)));
  CHECK(r.summary.tau2 == doctest::Approx(0.00498900709748).epsilon(1e-11));
  CHECK(r.summary.overdispersed);
  CHECK(r.summary.adjustment == funnel_adjustment::additive);
  CHECK(r.summary.n_outliers_high + r.summary.n_outliers_low == 0);
  // Unit I lies below its exact limit but above the drawn (adjusted) one: not an outlier.
  const std::size_t I = unit_index(g, "I");
  CHECK(r.units.ratio[I] == 0.75);
  CHECK(r.units.ratio[I] < r.units.lcl_998[I]);
  CHECK(r.units.outlier[I] == funnel_flag::inside);

  const funnel_result compat = run_example(1, true);
  struct row {
    const char* unit;
    double ratio, lcl, ucl, od_lcl, od_ucl, compat_lcl, compat_ucl;
  };
  const row table[] = {
      {"A", 0.4166666667, 0.3658414770, 0.9990881074, 0.3519238927, 1, 0.4008733945, 1},
      {"E", 0.8470588235, 0.6741809914, 0.9296038771, 0.5708198289, 0.9733573952, 0.6748800334, 0.9280512614},
      {"I", 0.75, 0.7506826656, 0.8793557030, 0.6114991961, 0.9584227502, 0.7505659793, 0.8789503343},
      {"J", 0.86, 0.7632685231, 0.8695361894, 0.6162272087, 0.9564625981, 0.7631734092, 0.8692008170}};
  for (const row& w : table) {
    CAPTURE(w.unit);
    const std::size_t i = unit_index(g, w.unit);
    CHECK(r.units.ratio[i] == approx(w.ratio));
    CHECK(r.units.lcl_998[i] == approx(w.lcl));
    CHECK(r.units.ucl_998[i] == approx(w.ucl));
    CHECK(r.units.od_lcl_998[i] == approx(w.od_lcl));
    CHECK(r.units.od_ucl_998[i] == approx(w.od_ucl));
    CHECK(compat.units.lcl_998[i] == approx(w.compat_lcl));
    CHECK(compat.units.ucl_998[i] == approx(w.compat_ucl));
  }
}

TEST_CASE("funnel example 2: a target of 0.85 and multiplicative limits scaled by the square root of phi") {
  const golden_funnel& g = example(2);
  const funnel_result r = run_example(2);
  CHECK(r.summary.target == 0.85);
  CHECK(r.units.z[0] == approx(-3.266112882));
  CHECK(r.summary.phi == approx(3.1641120289));
  CHECK(r.summary.tau2 == approx(0.00448111035299));  // reported, not used
  CHECK(r.summary.adjustment == funnel_adjustment::multiplicative);
  CHECK(r.units.od_lcl_998[unit_index(g, "A")] == approx(0.1373679249));
  CHECK(r.units.od_lcl_998[unit_index(g, "I")] == approx(0.7296854310));
  CHECK(r.summary.n_outliers_high + r.summary.n_outliers_low == 0);
}

TEST_CASE("funnel example 3: standardised ratios (SHMI) truncated and a zero count not flagged") {
  const golden_funnel& g = example(3);
  const funnel_result r = run_example(3);
  const std::size_t A = unit_index(g, "A"), D = unit_index(g, "D");
  CHECK(r.units.z[A] == -inf);
  CHECK(r.summary.n_estimate == 8);  // A (g = 0) and J (g = 9) truncated
  CHECK(r.summary.phi == approx(1.44492586732));
  CHECK(r.summary.tau2 == approx(0.0146891386452));
  CHECK(r.summary.adjustment == funnel_adjustment::additive);
  // The normal approximation's lower limit at A is 0.137, the exact one 0: the wider is drawn.
  const double z998 = 3.090232306167813;
  CHECK(std::exp(-z998 * std::sqrt(1 / 2.5 + r.summary.tau2)) == approx(0.1366958123));
  CHECK(r.units.lcl_998[A] == 0);
  CHECK(r.units.od_lcl_998[A] == 0);
  CHECK(r.units.outlier[A] == funnel_flag::inside);
  CHECK(r.units.od_lcl_998[D] == approx(0.3584593554));
  CHECK(r.units.lcl_998[D] == approx(0.3584593554));

  // FunnelPlotR: rounded quantiles, no widening (A is flagged low), chi-square limits.
  const funnel_result c = run_example(3, true);
  CHECK(c.units.od_lcl_998[A] == approx(0.1366958393));
  CHECK(c.units.outlier[A] == funnel_flag::low);
  CHECK(c.summary.n_outliers_low == 1);
  CHECK(c.units.lcl_998[D] == approx(0.4479106634));
  CHECK(c.units.lcl_998[A] == doctest::Approx(0.042).epsilon(0.01));  // D7: 0.137 against 0.042
}

TEST_CASE("funnel example 4: standardised ratios (CQC and additive) with limits squared back") {
  const golden_funnel& g = example(4);
  const funnel_result r = run_example(4);
  const std::size_t A = unit_index(g, "A"), J = unit_index(g, "J");
  CHECK(r.units.z[A] == approx(-3.16227766));  // 2(√0 − √2.5)
  CHECK(r.summary.phi == approx(1.88018917706));
  CHECK(r.summary.tau2 == approx(0.00514244778941));
  CHECK(r.units.od_lcl_998[A] == 0);
  CHECK(r.units.od_ucl_998[A] == approx(4.008119003));
  CHECK(r.units.od_ucl_998[A] == approx(std::pow(1 + 3.090232306167813 * std::sqrt(0.1 + r.summary.tau2), 2)));
  CHECK(r.units.od_lcl_998[J] == approx(0.5686371454));
  CHECK(r.units.od_ucl_998[J] == approx(1.552315822));
  const funnel_result c = run_example(4, true);  // D5: not squared back, negatives kept
  CHECK(c.units.od_lcl_998[A] == approx(-0.002028622562));
  CHECK(c.units.od_ucl_998[A] == approx(2.002028623));
  CHECK(c.units.od_lcl_998[J] == approx(0.7540803552));
  CHECK(c.units.od_ucl_998[J] == approx(1.245919645));
}

TEST_CASE("funnel example 5: ratios of counts (auto) not over-dispersed and no outlier (FunnelPlotR flags two)") {
  const golden_funnel& g = example(5);
  const funnel_result r = run_example(5);
  const std::size_t E = unit_index(g, "E"), H = unit_index(g, "H");
  CHECK(r.summary.target == approx(0.956896551724138));
  CHECK(r.units.z[H] == approx(2.183185177));
  CHECK(r.summary.phi == approx(0.722425503176));
  CHECK(r.summary.tau2 == 0);
  CHECK_FALSE(r.summary.overdispersed);
  CHECK(r.summary.adjustment == funnel_adjustment::none);
  CHECK(r.units.ratio[H] == 1.25);
  CHECK(r.units.lcl_998[H] == approx(0.6403357597));
  CHECK(r.units.ucl_998[H] == approx(1.429954515));
  CHECK(r.summary.n_outliers_high + r.summary.n_outliers_low == 0);
  const funnel_result c = run_example(5, true);  // D6: the arcsine variance 1/(4n) is too small
  CHECK(c.units.ucl_998[H] == approx(1.101848427));
  CHECK(c.units.lcl_998[E] == approx(0.7494885186));
  CHECK(c.units.outlier[H] == funnel_flag::high);
  CHECK(c.units.outlier[E] == funnel_flag::low);
}

TEST_CASE("funnel example 6: no adjustment gives the limits of example 5 without od limits and phi still reported") {
  const funnel_result r = run_example(6), auto_ = run_example(5);
  CHECK(r.summary.phi == approx(0.722425503176));
  CHECK(r.summary.adjustment == funnel_adjustment::none);
  for (std::size_t i = 0; i < r.size(); ++i) {
    CHECK(r.units.lcl_998[i] == auto_.units.lcl_998[i]);
    CHECK(r.units.ucl_95[i] == auto_.units.ucl_95[i]);
    CHECK(std::isnan(r.units.od_lcl_95[i]));
    CHECK(std::isnan(r.units.od_ucl_998[i]));
  }
}

// --- The worked limits of §3 and §8 ----------------------------------------------------------------

namespace {
funnel_summary summary_with_target(double target) {
  funnel_summary s;
  s.target = target;
  return s;
}
}  // namespace

TEST_CASE("funnel limits: exact binomial with interpolation at a target of 0.1 (spec 3.1)") {
  const double grid[] = {100, 500};
  const funnel_curves c = curves({.type = funnel_type::pr}, summary_with_target(0.1), grid);
  CHECK(c.lcl_998[0] == approx(0.0141788650));
  CHECK(c.lcl_95[0] == approx(0.0403805955));
  CHECK(c.ucl_95[0] == approx(0.1577186116));
  CHECK(c.ucl_998[0] == approx(0.1983567185));
  CHECK(c.lcl_998[1] == approx(0.0599886865));
  CHECK(c.lcl_95[1] == approx(0.0734475283));
  CHECK(c.ucl_95[1] == approx(0.1260148989));
  CHECK(c.ucl_998[1] == approx(0.1426893130));
  CHECK(std::isnan(c.od_lcl_998[0]));  // no adjustment drawn
}

TEST_CASE("funnel limits: exact Poisson with interpolation at a target of 1 (spec 3.2)") {
  const double grid[] = {2.5, 15, 20, 30, 100};
  const double want[][4] = {{0, 0, 2.2446102699, 3.2650145846},
                            {0.2716038044, 0.4906593251, 1.5055443627, 1.8558076160},
                            {0.3584593554, 0.5602500519, 1.4372884335, 1.7356764287},
                            {0.4692415857, 0.6411043089, 1.3572148971, 1.5937368238},
                            {0.7006528426, 0.8036633712, 1.1958089485, 1.3180475040}};
  const funnel_curves c = curves({.type = funnel_type::sr}, summary_with_target(1), grid);
  for (std::size_t j = 0; j < 5; ++j) {
    CAPTURE(grid[j]);
    CHECK(c.lcl_998[j] == approx(want[j][0]));
    CHECK(c.lcl_95[j] == approx(want[j][1]));
    CHECK(c.ucl_95[j] == approx(want[j][2]));
    CHECK(c.ucl_998[j] == approx(want[j][3]));
  }
  // The lower limit is 0 exactly when e^-E >= p: at E = 2.5, e^-2.5 = 0.082 >= 0.025.
  CHECK(std::exp(-2.5) >= 0.025);
}

TEST_CASE("funnel limits: FunnelPlotR's chi-square SR limits at E = 15 and 20 and 30 (its test values: D2)") {
  const double grid[] = {15, 20, 30};
  const funnel_curves c =
      curves({.type = funnel_type::sr, .compat = funnel_compat::funnelplotr}, summary_with_target(1), grid);
  const double ll95[] = {0.5596924, 0.6108260, 0.6746958}, ul95[] = {1.649348, 1.544419, 1.427562};
  const double ll998[] = {0.3862650, 0.4479107, 0.5289724}, ul998[] = {2.082907, 1.902094, 1.702771};
  for (std::size_t j = 0; j < 3; ++j) {
    CAPTURE(grid[j]);
    CHECK(c.lcl_95[j] == doctest::Approx(ll95[j]).epsilon(1e-6));
    CHECK(c.ucl_95[j] == doctest::Approx(ul95[j]).epsilon(1e-6));
    CHECK(c.lcl_998[j] == doctest::Approx(ll998[j]).epsilon(1e-6));
    CHECK(c.ucl_998[j] == doctest::Approx(ul998[j]).epsilon(1e-6));
  }
  // Shifted upwards: at E = 15 the chi-square lower limit 0.386 is above the exact 0.272, though
  // P(O <= 5 | E = 15) = 0.0028 > 0.001.
  const funnel_curves exact = curves({.type = funnel_type::sr}, summary_with_target(1), grid);
  CHECK(exact.lcl_998[0] == approx(0.2716038044));
}

TEST_CASE("funnel limits: CQC at E = 100 without tau2 with FunnelPlotR's unsquared limits against ours (D5)") {
  funnel_summary s = summary_with_target(1);
  s.adjustment = funnel_adjustment::additive;
  s.phi = 1;
  s.tau2 = 0;
  const double grid[] = {100};
  const funnel_options cqc{.type = funnel_type::sr, .method = sr_method::cqc};
  funnel_options cqc_compat = cqc;
  cqc_compat.compat = funnel_compat::funnelplotr;
  const funnel_curves ours = curves(cqc, s, grid), theirs = curves(cqc_compat, s, grid);
  CHECK(theirs.od_lcl_95[0] == doctest::Approx(0.902).epsilon(1e-3));
  CHECK(theirs.od_ucl_95[0] == doctest::Approx(1.098).epsilon(1e-3));
  // Ours: (1 ± 1.96 × 0.05)² = 0.814 and 1.206, widened to the exact Poisson limit below.
  CHECK(ours.od_ucl_95[0] == approx(std::pow(1 + 1.959963984540054 * 0.05, 2)));
  CHECK(ours.od_ucl_95[0] == doctest::Approx(1.206).epsilon(1e-3));
  CHECK(ours.od_lcl_95[0] == approx(0.8036633712));  // the exact 0.804 is wider than 0.814
}

// --- Invariants ------------------------------------------------------------------------------------

TEST_CASE("funnel invariants: the target between the limits and 95 % inside 99.8 % and adjusted around unadjusted") {
  int units = 0;
  for (const golden_funnel& g : suite()) {
    CAPTURE(g.id);
    const summed s = sum_rows(g);
    const funnel_result r = funnel(s.y, s.n, g.options);
    const double t = r.summary.target;
    for (std::size_t i = 0; i < r.size(); ++i) {
      const funnel_units& u = r.units;
      CHECK(u.lcl_998[i] <= u.lcl_95[i]);
      CHECK(u.lcl_95[i] <= t);
      CHECK(t <= u.ucl_95[i]);
      CHECK(u.ucl_95[i] <= u.ucl_998[i]);
      if (r.summary.adjustment != funnel_adjustment::none) {
        CHECK(u.od_lcl_998[i] <= u.lcl_998[i]);
        CHECK(u.od_lcl_95[i] <= u.lcl_95[i]);
        CHECK(u.od_ucl_95[i] >= u.ucl_95[i]);
        CHECK(u.od_ucl_998[i] >= u.ucl_998[i]);
        CHECK(u.od_lcl_998[i] <= u.od_lcl_95[i]);
        CHECK(u.od_ucl_95[i] <= u.od_ucl_998[i]);
        // Adding variance never creates an outlier.
        if (u.ratio[i] >= u.lcl_998[i] && u.ratio[i] <= u.ucl_998[i]) CHECK(u.outlier[i] == funnel_flag::inside);
      } else {
        CHECK(std::isnan(u.od_lcl_998[i]));
      }
      // The flag against the drawn limits, strictly.
      const bool od = r.summary.adjustment != funnel_adjustment::none;
      const double lo = od ? u.od_lcl_998[i] : u.lcl_998[i], hi = od ? u.od_ucl_998[i] : u.ucl_998[i];
      CHECK(u.outlier[i] == (u.ratio[i] > hi   ? funnel_flag::high
                             : u.ratio[i] < lo ? funnel_flag::low
                                               : funnel_flag::inside));
      ++units;
    }
    // The summary's counts are the flags'.
    CHECK(r.summary.n_outliers_high ==
          static_cast<std::size_t>(std::count(r.units.outlier.begin(), r.units.outlier.end(), funnel_flag::high)));
    CHECK(r.summary.n_outliers_low ==
          static_cast<std::size_t>(std::count(r.units.outlier.begin(), r.units.outlier.end(), funnel_flag::low)));
    CHECK(r.summary.overdispersed == (r.summary.phi > 1));
  }
  CHECK(units == 1388);
}

TEST_CASE("funnel invariants: the curves at the units' denominators are the units' limits") {
  for (const golden_funnel& g : suite()) {
    CAPTURE(g.id);
    const summed s = sum_rows(g);
    const funnel_result r = funnel(s.y, s.n, g.options);
    std::vector<double> grid(r.units.n);
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    const funnel_curves c = curves(r, grid);
    for (std::size_t i = 0; i < r.size(); ++i) {
      const auto j = static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), r.units.n[i]) - grid.begin());
      CHECK(c.lcl_998[j] == r.units.lcl_998[i]);
      CHECK(c.ucl_95[j] == r.units.ucl_95[i]);
      if (r.summary.adjustment == funnel_adjustment::none) {
        CHECK(std::isnan(c.od_ucl_998[j]));
      } else {
        CHECK(c.od_lcl_95[j] == r.units.od_lcl_95[i]);
        CHECK(c.od_ucl_998[j] == r.units.od_ucl_998[i]);
      }
    }
  }
}

TEST_CASE("funnel invariants: the exact limits narrow as n grows but for the binomial upper limit's steps") {
  // Spec 3.1: the interpolation softens the discreteness without removing it. With θ0 = 0.2 and
  // p = 0.999 the upper limit rises at 15 of the 395 steps from n = 5 to 400, by at most 0.00044;
  // with θ0 = 0.05 by up to 0.0046. The lower limits and the Poisson limits are monotone.
  std::vector<double> grid;
  for (int n = 5; n <= 400; ++n) grid.push_back(n);
  const funnel_curves p20 = curves({.type = funnel_type::pr}, summary_with_target(0.2), grid);
  const funnel_curves p05 = curves({.type = funnel_type::pr}, summary_with_target(0.05), grid);
  const funnel_curves sr = curves({.type = funnel_type::sr}, summary_with_target(1), grid);
  int rises = 0;
  double largest = 0, largest05 = 0;
  for (std::size_t j = 1; j < grid.size(); ++j) {
    if (p20.ucl_998[j] > p20.ucl_998[j - 1]) {
      ++rises;
      largest = std::max(largest, p20.ucl_998[j] - p20.ucl_998[j - 1]);
    }
    largest05 = std::max(largest05, p05.ucl_998[j] - p05.ucl_998[j - 1]);
    for (const funnel_curves* c : {&p20, &p05, &sr}) {
      CHECK(c->lcl_998[j] >= c->lcl_998[j - 1]);
      CHECK(c->lcl_95[j] >= c->lcl_95[j - 1]);
    }
    CHECK(sr.ucl_998[j] <= sr.ucl_998[j - 1]);
    CHECK(sr.ucl_95[j] <= sr.ucl_95[j - 1]);
  }
  CHECK(grid.size() - 1 == 395);
  CHECK(rises == 15);
  CHECK(largest == doctest::Approx(0.00044).epsilon(0.05));
  CHECK(largest05 == doctest::Approx(0.0046).epsilon(0.05));
}

TEST_CASE("funnel invariants: rows of a unit are summed and missing rows left out and the order does not matter") {
  const golden_funnel& g = example(1);
  const funnel_result whole = run_example(1);
  // Unit A's 5 of 12 split over three rows, one of them with a missing y, and the rows shuffled;
  // unit K has only a row with a missing n: no data.
  const std::vector<double> y = {2, 30, 41, 45, 72, 99, 118, 183, 255, 430, 3, na, 4};
  const std::vector<double> n = {5, 35, 48, 60, 85, 110, 150, 220, 340, 500, 7, 9, na};
  const std::vector<std::size_t> unit = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 10};
  const std::size_t offsets[] = {0, 11};
  const funnel_options o = g.options;
  const funnel_batch_result b = funnel_batch({.y = y, .n = n, .unit = unit, .offsets = offsets}, {.sets = {&o, 1}});
  REQUIRE(b.problems.empty());
  CHECK(b.units.y[0] == 5);
  CHECK(b.units.n[0] == 12);
  CHECK(b.summaries[0].n_units == 10);
  CHECK(b.units.outlier[10] == funnel_flag::no_data);
  CHECK(std::isnan(b.units.y[10]));
  CHECK(std::isnan(b.units.z[10]));
  CHECK(std::isnan(b.units.lcl_998[10]));
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(b.units.z[i] == whole.units.z[i]);
    CHECK(b.units.od_lcl_998[i] == whole.units.od_lcl_998[i]);
  }
  CHECK(b.summaries[0].phi == whole.summary.phi);

  // The units in reverse order: each unit's results are the same.
  std::vector<double> ry(g.row_y.rbegin(), g.row_y.rend()), rn(g.row_n.rbegin(), g.row_n.rend());
  const funnel_result reversed = funnel(ry, rn, o);
  CHECK(reversed.summary.phi == doctest::Approx(whole.summary.phi).epsilon(1e-14));
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(reversed.units.z[9 - i] == whole.units.z[i]);
    CHECK(reversed.units.lcl_998[9 - i] == whole.units.lcl_998[i]);
  }
}

TEST_CASE("funnel invariants: a ratio equal to a clipped limit is not an outlier (strict rule)") {
  // y = 0 of 4 at an exact lower limit clipped to 0; y = n = 3 at an adjusted upper limit of 1
  // (the arcsine argument clamped at π/2). The exact upper limit (n − α)/n is below 1, so there
  // the same unit is outside.
  const double y[] = {3, 0, 40, 55, 61, 70}, n[] = {3, 4, 80, 100, 120, 130};
  const funnel_result r = funnel(y, n, {.type = funnel_type::pr, .adjustment = overdispersion::additive});
  CHECK(r.units.ratio[0] == 1);
  CHECK(r.units.ucl_998[0] < 1);
  CHECK(r.units.od_ucl_998[0] == 1);
  CHECK(r.units.outlier[0] == funnel_flag::inside);
  CHECK(r.units.ratio[1] == 0);
  CHECK(r.units.lcl_998[1] == 0);
  CHECK(r.units.od_lcl_998[1] == 0);
  CHECK(r.units.outlier[1] == funnel_flag::inside);
  const funnel_result bare = funnel(y, n, {.type = funnel_type::pr, .adjustment = overdispersion::none});
  CHECK(bare.units.outlier[0] == funnel_flag::high);
  CHECK(bare.units.outlier[1] == funnel_flag::inside);
}

TEST_CASE("funnel invariants: auto is additive when over-dispersed and none otherwise and z_adjusted shrinks z") {
  for (const int id : {1, 5}) {
    const golden_funnel& g = example(id);
    funnel_options add = g.options, none = g.options;
    add.adjustment = overdispersion::additive;
    none.adjustment = overdispersion::none;
    const funnel_result a = funnel(g.row_y, g.row_n, g.options), plus = funnel(g.row_y, g.row_n, add),
                        bare = funnel(g.row_y, g.row_n, none);
    const funnel_result& same = a.summary.overdispersed ? plus : bare;
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK((std::isnan(a.units.od_lcl_998[i]) ? std::isnan(same.units.od_lcl_998[i])
                                               : a.units.od_lcl_998[i] == same.units.od_lcl_998[i]));
      CHECK(a.units.outlier[i] == same.units.outlier[i]);
      const double s = 0.5 / std::sqrt(g.row_n[i]);  // pr; for rc only |z_adjusted| <= |z| is checked
      if (g.options.type == funnel_type::pr)
        CHECK(plus.units.z_adjusted[i] == approx(plus.units.z[i] * s / std::sqrt(s * s + plus.summary.tau2)));
      CHECK(std::abs(plus.units.z_adjusted[i]) <= std::abs(plus.units.z[i]));
      CHECK(bare.units.z_adjusted[i] == bare.units.z[i]);
    }
  }
}

TEST_CASE("funnel invariants: the plotting grid and the curves") {
  const funnel_options pr{.type = funnel_type::pr}, sr{.type = funnel_type::sr};
  const std::vector<double> whole = funnel_grid(pr, 12, 500, 50);
  CHECK(whole.front() == 12);
  CHECK(whole.back() == 500);
  CHECK(std::adjacent_find(whole.begin(), whole.end(), std::greater_equal<>()) == whole.end());
  CHECK(std::all_of(whole.begin(), whole.end(), [](double v) { return v == std::floor(v); }));
  const std::vector<double> real = funnel_grid(sr, 2.5, 210, 200);
  CHECK(real.size() == 200);
  CHECK(real.front() == 2.5);
  CHECK(real.back() == 210);
  CHECK(real[1] / real[0] == doctest::Approx(real[199] / real[198]));  // geometric
  // The example's funnel on that grid: the drawn limits hold the target and narrow.
  const funnel_result r = run_example(3);
  const funnel_curves c = curves(r, real);
  REQUIRE(c.size() == 200);
  for (std::size_t j = 0; j < c.size(); ++j) {
    CHECK(c.od_lcl_998[j] <= c.lcl_998[j]);
    CHECK(c.od_ucl_998[j] >= c.ucl_998[j]);
    CHECK(c.od_lcl_998[j] < 1);
    CHECK(c.od_ucl_998[j] > 1);
  }
  CHECK(c.od_ucl_998.back() < c.od_ucl_998.front());
}

// --- Bad input -------------------------------------------------------------------------------------

namespace {
// Runs `funnel` and returns the input_error it throws (argument, index, problem).
input_error error_of(std::vector<double> y, std::vector<double> n, const funnel_options& o) {
  try {
    (void)funnel(y, n, o);
  } catch (const input_error& e) {
    return e;
  }
  FAIL("no error");
  return input_error("", input_error::npos, "");
}

void expect(const input_error& e, const std::string& argument, std::size_t index, const std::string& part) {
  CHECK(e.argument() == argument);
  CHECK(e.index() == index);
  CHECK_MESSAGE(e.problem().find(part) != std::string::npos, e.problem());
}
}  // namespace

TEST_CASE("funnel bad input: each problem names its unit and argument") {
  const funnel_options pr{.type = funnel_type::pr}, sr{.type = funnel_type::sr}, rc{.type = funnel_type::rc};
  expect(error_of({1, 12, 3}, {10, 10, 10}, pr), "y", 1, "the numerator 12 is above its denominator 10");
  expect(error_of({1, 2, 3}, {10, 12.5, 10}, pr), "n", 1, "whole number");
  expect(error_of({1, 2, 3}, {10, 0, 10}, sr), "n", 1, "the denominator must be positive (0)");
  expect(error_of({1, -2, 3}, {10, 10, 10}, rc), "y", 1, "cannot be negative (-2)");
  expect(error_of({1, 2, 3}, {10, 10, -1}, rc), "n", 2, "cannot be negative (-1)");
  expect(error_of({1, inf, 3}, {10, 10, 10}, sr), "y", 1, "not finite");
  expect(error_of({1, 2}, {10, 10, 10}, sr), "n", input_error::npos, "same length");
  // y need not be a whole number.
  CHECK_NOTHROW((void)funnel(std::vector<double>{1.5, 2.25, 3}, std::vector<double>{10, 10, 10}, pr));
}

TEST_CASE("funnel bad input: targets and degenerate funnels and forced adjustments") {
  funnel_options pr{.type = funnel_type::pr}, sr{.type = funnel_type::sr}, rc{.type = funnel_type::rc};
  pr.target = 1.0;
  expect(error_of({1, 2}, {10, 10}, pr), "target", input_error::npos, "between 0 and 1");
  sr.target = 0.0;
  expect(error_of({1, 2}, {10, 10}, sr), "target", input_error::npos, "positive");
  pr.target.reset();
  expect(error_of({0, 0}, {10, 10}, pr), "target", input_error::npos, "pooled proportion is 0");
  expect(error_of({10, 10}, {10, 10}, pr), "target", input_error::npos, "pooled proportion is 1");
  expect(error_of({0, 0}, {10, 10}, rc), "target", input_error::npos, "pooled ratio is 0");
  expect(error_of({na, 2}, {10, na}, rc), "units", input_error::npos, "no unit has data");
  // Too few units for a forced adjustment; auto and none just draw none.
  funnel_options add{.type = funnel_type::pr, .adjustment = overdispersion::additive};
  expect(error_of({3}, {10}, add), "overdispersion", input_error::npos, "at least 2 units");
  add.adjustment = overdispersion::multiplicative;
  expect(error_of({3, 4}, {10, na}, add), "overdispersion", input_error::npos, "has 1");
  // SHMI: two units, one of them a zero count: its z is -inf and leaves the estimate.
  const funnel_options shmi_add{.type = funnel_type::sr, .adjustment = overdispersion::additive};
  expect(error_of({0, 5}, {2, 4}, shmi_add), "overdispersion", input_error::npos, "has 1");
  const funnel_result one = funnel(std::vector<double>{3}, std::vector<double>{10}, {.type = funnel_type::pr});
  CHECK(std::isnan(one.summary.phi));
  CHECK(std::isnan(one.summary.tau2));
  CHECK_FALSE(one.summary.overdispersed);
  CHECK(one.summary.adjustment == funnel_adjustment::none);
  // Compat refuses what FunnelPlotR does not have.
  funnel_options compat{.type = funnel_type::sr, .compat = funnel_compat::funnelplotr};
  compat.target = 1.1;
  expect(error_of({1, 2}, {10, 10}, compat), "compat", input_error::npos, "target");
  compat.target.reset();
  compat.adjustment = overdispersion::multiplicative;
  expect(error_of({1, 2}, {10, 10}, compat), "compat", input_error::npos, "multiplicative");
}

TEST_CASE("funnel bad input: a batch reports a bad funnel with its unit and computes the others") {
  const std::vector<double> y = {1, 2, 3, 4, 15, 6}, n = {10, 10, 10, 10, 10, 10};
  const std::size_t offsets[] = {0, 3, 6};
  const funnel_options pr{.type = funnel_type::pr};
  const funnel_batch_result b = funnel_batch({.y = y, .n = n, .offsets = offsets}, {.sets = {&pr, 1}});
  CHECK(b.status[0] == series_status::ok);
  CHECK(b.status[1] == series_status::failed);
  REQUIRE(b.problems.size() == 1);
  CHECK(b.problem(1) == &b.problems[0]);
  CHECK(b.problem(0) == nullptr);
  CHECK(b.problems[0].unit == 4);
  CHECK(b.problems[0].error.argument() == "y");
  CHECK(b.problems[0].error.index() == 1);
  CHECK(b.summaries[0].n_units == 3);
  CHECK(b.units.outlier[4] == funnel_flag::no_data);
  CHECK(std::isnan(b.units.lcl_998[3]));
  CHECK(b.units.y[4] == 15);  // the sums are kept
  // Malformed calls.
  const std::size_t short_offsets[] = {0, 3, 5};
  CHECK_THROWS_AS((void)funnel_batch({.y = y, .n = n, .offsets = short_offsets}, {.sets = {&pr, 1}}), input_error);
  const std::size_t bad_unit[] = {0, 1, 2, 3, 4, 9};
  CHECK_THROWS_AS((void)funnel_batch({.y = y, .n = n, .unit = bad_unit, .offsets = offsets}, {.sets = {&pr, 1}}),
                  input_error);
}

TEST_CASE("funnel bad input: curves need an increasing grid of whole numbers for exact binomial limits") {
  const funnel_summary s = summary_with_target(0.2);
  const double not_increasing[] = {10, 10}, not_whole[] = {10, 12.5}, negative[] = {-1, 2};
  const funnel_options pr{.type = funnel_type::pr};
  CHECK_THROWS_WITH_AS((void)curves(pr, s, not_increasing), "grid at point 2: the grid must be strictly increasing (10 after 10)",
                       input_error);
  CHECK_THROWS_WITH_AS((void)curves(pr, s, not_whole),
                       "grid at point 2: the exact binomial limits need a whole number of cases, not 12.5", input_error);
  CHECK_THROWS_AS((void)curves(pr, s, negative), input_error);
  CHECK_THROWS_AS((void)curves(pr, funnel_summary{}, std::vector<double>{10}), input_error);
  CHECK_THROWS_AS((void)funnel_grid(pr, 0, 10, 20), input_error);
}

// --- spc funnel ------------------------------------------------------------------------------------

#ifdef SPC_CLI_PATH

namespace {

// The command-line options of a case (funnel spec §9.1).
std::string cli_options(const golden_funnel& g, bool funnelplotr) {
  std::string args = std::string(" --type ") + std::string(to_string(g.options.type));
  if (g.options.type == funnel_type::sr) args += " --sr-method " + std::string(to_string(g.options.method));
  args += " --overdispersion " + std::string(to_string(g.options.adjustment));
  if (g.options.target) args += fmt::format(" --target {}", *g.options.target);
  if (funnelplotr) args += " --compat funnelplotr";
  return args;
}

// A CSV file from a header and rows of text fields (quoted where needed by the project's writer).
fs::path write_rows(const std::string& stem, const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows) {
  const fs::path p = scratch_file(stem);
  io::csv_writer w(p.string());
  w.header(header);
  for (const auto& r : rows) {
    for (const std::string& f : r) w.field(std::string_view(f));
    w.end_row();
  }
  w.close();
  return p;
}

std::string number_text(double v) { return fmt::format("{}", v); }

// The output columns of `spc funnel` for the rows of one group, as funnel_units (by unit name).
struct cli_funnel {
  std::vector<std::string> names;
  funnel_units units;
  funnel_summary summary;
};

double output_number(const std::string& cell) {
  if (cell.empty()) return na;
  if (cell == "-inf") return -inf;
  if (cell == "inf") return inf;
  double v = na;
  REQUIRE_MESSAGE(io::parse_number(cell, v), cell);
  return v;
}

// Reads the unit and summary outputs; `group` selects the rows whose --by columns hold these
// values (empty: every row).
cli_funnel read_output(const fs::path& units_csv, const fs::path& summary_csv,
                       const std::vector<std::pair<std::string, std::string>>& group = {}) {
  const auto u = io::read_csv(units_csv.string());
  const auto s = io::read_csv(summary_csv.string());
  auto in_group = [&](const io::csv_table& t, std::size_t k) {
    for (const auto& [col, value] : group)
      if (t.cells[t.column(col)][k] != value) return false;
    return true;
  };
  cli_funnel out;
  for (std::size_t k = 0; k < u.rows; ++k) {
    if (!in_group(u, k)) continue;
    out.names.push_back(u.cells[u.column("unit")][k]);
    funnel_units& f = out.units;
    std::vector<double>* columns[] = {&f.y, &f.n, &f.ratio, &f.z, &f.lcl_95, &f.ucl_95, &f.lcl_998, &f.ucl_998,
                                      &f.od_lcl_95, &f.od_ucl_95, &f.od_lcl_998, &f.od_ucl_998};
    for (std::size_t c = 0; c < 12; ++c) columns[c]->push_back(output_number(u.cells[u.column(number_columns[c])][k]));
    const std::string& flag = u.cells[u.column("outlier")][k];
    const std::string& side = u.cells[u.column("outlier_direction")][k];
    out.units.outlier.push_back(flag.empty()       ? funnel_flag::no_data
                                : side == "high"   ? funnel_flag::high
                                : side == "low"    ? funnel_flag::low
                                : flag == "false" ? funnel_flag::inside
                                                   : funnel_flag::no_data);
  }
  std::size_t rows = 0;
  for (std::size_t k = 0; k < s.rows; ++k) {
    if (!in_group(s, k)) continue;
    ++rows;
    funnel_summary& m = out.summary;
    m.n_units = static_cast<std::size_t>(output_number(s.cells[s.column("n_units")][k]));
    m.target = output_number(s.cells[s.column("target")][k]);
    m.phi = output_number(s.cells[s.column("phi")][k]);
    m.tau2 = output_number(s.cells[s.column("tau2")][k]);
    m.overdispersed = s.cells[s.column("overdispersed")][k] == "true";
    m.n_outliers_high = static_cast<std::size_t>(output_number(s.cells[s.column("n_outliers_high")][k]));
    m.n_outliers_low = static_cast<std::size_t>(output_number(s.cells[s.column("n_outliers_low")][k]));
  }
  CHECK(rows == 1);
  return out;
}

// The lines of a CSV text without their first field (the unit label).
std::vector<std::string> rows_after_first_field(const std::string& text) {
  std::vector<std::string> rows;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    rows.push_back(line.substr(line.find(',') + 1));
    start = end + 1;
  }
  return rows;
}

fs::path case_input(const golden_funnel& g) {
  std::vector<std::vector<std::string>> rows;
  for (std::size_t r = 0; r < g.row_unit.size(); ++r)
    rows.push_back({g.row_unit[r], number_text(g.row_y[r]), number_text(g.row_n[r])});
  return write_rows("funnel_case", {"unit", "y", "n"}, rows);
}

}  // namespace

TEST_CASE("spc funnel golden: every case alone by default and with --compat funnelplotr") {
  int runs = 0;
  for (const golden_funnel& g : suite()) {
    const fs::path in = case_input(g);
    for (const bool funnelplotr : {false, true}) {
      if (funnelplotr && !g.compat) continue;
      CAPTURE(g.id);
      CAPTURE(funnelplotr);
      const fs::path out = scratch_file("funnel_units"), sum = scratch_file("funnel_summary");
      const cli_result r = spc_cli("funnel --input " + quote(in) + " --unit unit --y y --n n" +
                                   cli_options(g, funnelplotr) + " --output " + quote(out) + " --summary " + quote(sum));
      REQUIRE_MESSAGE(r.status == 0, r.err);
      CHECK(contains(r.out, "Funnel plot of "));  // the report for people, with --output FILE
      const cli_funnel f = read_output(out, sum);
      CHECK(compare(g, funnelplotr, f.names, f.units, 0, f.summary) == 0);
      ++runs;
    }
  }
  CHECK(runs == 40 + 27);
}

TEST_CASE("spc funnel golden: the cases of each option set in one file with --by batch and case with rows interleaved") {
  // One file per option set (cases without a target), the rows sorted by unit name so that the
  // groups are interleaved; every group agrees with its case.
  std::map<std::string, std::vector<const golden_funnel*>> sets;
  for (const golden_funnel& g : suite())
    if (!g.options.target) sets[cli_options(g, false)].push_back(&g);
  int groups = 0;
  for (const auto& [options, cases] : sets) {
    CAPTURE(options);
    std::vector<std::vector<std::string>> rows;
    for (const golden_funnel* g : cases)
      for (std::size_t r = 0; r < g->row_unit.size(); ++r)
        rows.push_back({options, std::to_string(g->id), g->row_unit[r], number_text(g->row_y[r]),
                        number_text(g->row_n[r])});
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a[2] < b[2]; });
    const fs::path in = write_rows("funnel_batch", {"batch", "case", "unit", "y", "n"}, rows);
    const fs::path out = scratch_file("funnel_units"), sum = scratch_file("funnel_summary");
    const cli_result r = spc_cli("funnel --input " + quote(in) + " --by batch,case --unit unit --y y --n n" + options +
                                 " --output " + quote(out) + " --summary " + quote(sum));
    REQUIRE_MESSAGE(r.status == 0, r.err);
    for (const golden_funnel* g : cases) {
      CAPTURE(g->id);
      const cli_funnel f = read_output(out, sum, {{"batch", options}, {"case", std::to_string(g->id)}});
      CHECK(compare(*g, false, f.names, f.units, 0, f.summary) == 0);
      ++groups;
    }
  }
  CHECK(groups == 36);
}

TEST_CASE("spc funnel: standard output and missing values and summed rows and quoted units and the columns") {
  const fs::path in = write_text("funnel_io",
                                 "home,screened,residents\n"
                                 "\"Lia, nord\",5,12\nB,30,35\nC,41,48\nD,45,60\nE,72,85\n"
                                 "F,99,110\nG,118,150\nH,183,220\nI,255,340\nJ,200,250\nJ,230,250\n"
                                 "K,NA,20\nB,,3\n");
  const cli_result r = spc_cli("funnel --input - --unit home --y screened --n residents --type pr", in);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const fs::path out = write_text("funnel_io_out", r.out);
  const auto t = io::read_csv(out.string());
  CHECK(t.header == std::vector<std::string>{"unit",       "y",          "n",          "ratio",      "z",
                                             "lcl_95",     "ucl_95",     "lcl_998",    "ucl_998",    "od_lcl_95",
                                             "od_ucl_95",  "od_lcl_998", "od_ucl_998", "outlier",    "z_adjusted",
                                             "outlier_direction"});
  REQUIRE(t.rows == 11);
  CHECK(t.cells[0][0] == "Lia, nord");
  // J's two rows are summed; B's row with a missing y is left out; K has no complete row.
  CHECK(t.cells[t.column("y")][9] == "430");
  CHECK(t.cells[t.column("n")][9] == "500");
  CHECK(t.cells[t.column("n")][1] == "35");
  CHECK(t.cells[0][10] == "K");
  for (std::size_t c = 1; c < t.header.size(); ++c) CHECK(t.cells[c][10].empty());
  // The funnel is example 1's: the same z-scores and limits.
  const funnel_result ex = run_example(1);
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(output_number(t.cells[t.column("z")][i]) == approx(ex.units.z[i]));
    CHECK(output_number(t.cells[t.column("od_lcl_998")][i]) == approx(ex.units.od_lcl_998[i]));
  }
  // The summary to standard output with --output FILE: no report then.
  const fs::path units = scratch_file("funnel_units");
  const cli_result s =
      spc_cli("funnel --input - --unit home --y screened --n residents --type pr --output " + quote(units) +
                  " --summary -",
              in);
  REQUIRE(s.status == 0);
  CHECK(s.out.rfind("n_units,target,phi,tau2,overdispersed,n_outliers_high,n_outliers_low,n_estimate,adjustment\n"
                    "10,0.819230769230769,3.42073037528392,0.00498900709748445,true,0,0,10,additive\n",
                    0) == 0);
}

TEST_CASE("spc funnel: numeric unit labels keep their order of first appearance and a Norwegian export reads") {
  // Municipality numbers as units: not sorted as numbers (spc chart orders its x), and the rows of
  // 301 are summed by the library, not combined as points.
  const std::string csv = "kommune,screenet,beboere\n4601,30,35\n301,20,40\n1103,41,48\n301,25,20\n";
  const cli_result r = spc_cli("funnel --input - --unit kommune --y screenet --n beboere --type pr",
                               write_text("funnel_numbers", csv));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto t = io::read_csv(write_text("funnel_numbers_out", r.out).string());
  REQUIRE(t.rows == 3);
  CHECK(t.cells[0] == std::vector<std::string>{"4601", "301", "1103"});
  CHECK(t.cells[t.column("y")][1] == "45");
  CHECK(t.cells[t.column("n")][1] == "60");
  // The same file as Norwegian Excel writes it: semicolons, decimal commas, Windows-1252.
  std::string nb = "kommune;screenet;beboere\r\nT\xf8nsberg;30;35\r\n301;20;40\r\n1103;41;48\r\n301;25;20\r\n";
  const cli_result e = spc_cli("funnel --input - --unit kommune --y screenet --n beboere --type pr --decimal , "
                               "--encoding windows-1252",
                               write_text("funnel_nb", nb));
  REQUIRE_MESSAGE(e.status == 0, e.err);
  CHECK(contains(e.out, "T\xc3\xb8nsberg,30,35,"));  // UTF-8 out
  CHECK(rows_after_first_field(e.out) == rows_after_first_field(r.out));
}

TEST_CASE("spc funnel: the report for people names the outliers") {
  const golden_funnel& g = example(5);
  const fs::path in = case_input(g), out = scratch_file("funnel_units");
  const cli_result r =
      spc_cli("funnel --input " + quote(in) + " --unit unit --y y --n n --type rc --compat funnelplotr -o " + quote(out));
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "Funnel plot of ratios of counts (rc) 'y' / 'n' by 'unit'"));
  CHECK(contains(r.out, "target 0.9569 (pooled)"));
  CHECK(contains(r.out, "phi 0.72243, tau2 0 (10 units in the estimate): not over-dispersed"));
  CHECK(contains(r.out, "1 high: H (1.25); 1 low: E (0.7)"));
}

TEST_CASE("spc funnel errors: bad data names the group and unit and rows and column and value (exit 1)") {
  const std::string head = "region,unit,y,n\n";
  auto file = [&](const std::string& body) { return quote(write_text("funnel_bad", head + body)); };
  const std::string pr = " --unit unit --y y --n n --type pr";
  expect_error("funnel --input " + file("N,A,3,10\nN,B,12,10\n") + pr, 1,
               {"unit 'B' (row 2), column 'y'", "the numerator 12 is above its denominator 10"});
  expect_error("funnel --input " + file("N,A,3,10\nN,B,2,6\nN,B,2,6.5\n") + pr, 1,
               {"unit 'B' (rows 2, 3), column 'n'", "whole number", "12.5"});
  expect_error("funnel --input " + file("N,A,3,10\nN,B,-2,10\n") + " --unit unit --y y --n n --type rc", 1,
               {"unit 'B' (row 2), column 'y'", "cannot be negative (-2)"});
  expect_error("funnel --input " + file("N,A,3,10\nN,B,2,0\n") + " --unit unit --y y --n n --type sr", 1,
               {"unit 'B' (row 2), column 'n'", "the denominator must be positive (0)"});
  expect_error("funnel --input " + file("N,A,3,10\nS,B,2,0\n") + " --by region --unit unit --y y --n n --type sr", 1,
               {"group 'region=S'", "unit 'B'", "column 'n'"});
  expect_error("funnel --input " + file("N,A,3,10\nN,B,x,10\n") + pr, 1, {"row 2, column 'y'", "'x' is not a number"});
  expect_error("funnel --input " + file("N,A,3,10\n") + " --unit home --y y --n n --type pr", 1,
               {"missing column 'home'"});
  expect_error("funnel --input " + file("N,A,3,10\nN,,2,10\n") + pr, 1, {"row 2, column 'unit'", "empty"});
  // A forced adjustment with fewer than 2 units in the estimate; auto and none draw none.
  expect_error("funnel --input " + file("N,A,3,10\nS,B,2,10\nS,C,4,10\n") +
                   " --by region --unit unit --y y --n n --type pr --overdispersion additive",
               1, {"group 'region=N'", "at least 2 units", "has 1", "--overdispersion additive"});
  CHECK(spc_cli("funnel --input " + file("N,A,3,10\n") + pr).status == 0);
  // Degenerate targets and funnels without data.
  expect_error("funnel --input " + file("N,A,0,10\nN,B,0,10\n") + pr, 1, {"pooled proportion is 0", "--target"});
  expect_error("funnel --input " + file("N,A,0,10\nN,B,0,10\n") + " --unit unit --y y --n n --type rc", 1,
               {"pooled ratio is 0"});
  expect_error("funnel --input " + file("N,A,NA,10\nN,B,2,\n") + pr, 1, {"no unit has data"});
}

TEST_CASE("spc funnel errors: the command line (exit 2)") {
  const fs::path in = write_text("funnel_ok", "unit,y,n\nA,3,10\nB,4,12\n");
  const std::string base = "funnel --input " + quote(in) + " --unit unit --y y --n n";
  expect_error(base + " --type xx", 2, {"--type"});
  expect_error(base + " --type pr --sr-method cqc", 2, {"--sr-method", "--type sr"});
  expect_error(base + " --type pr --target 1.2", 2, {"--target", "between 0 and 1"});
  expect_error(base + " --type sr --target 0", 2, {"--target", "positive"});
  expect_error(base + " --type pr --target 0.3 --compat funnelplotr", 2, {"--compat funnelplotr", "target"});
  expect_error(base + " --type pr --overdispersion multiplicative --compat funnelplotr", 2,
               {"--compat funnelplotr", "multiplicative"});
  expect_error(base + " --type pr --overdispersion sometimes", 2, {"--overdispersion"});
  expect_error(base + " --type pr --compat spc", 2, {"--compat"});
  expect_error(base + " --type pr --summary -", 2, {"--summary", "the units already go to standard output"});
  expect_error(base + " --type pr --by unit", 2, {"--by", "'unit'"});
  expect_error("funnel --input " + quote(in) + " --unit unit --y y --type pr", 2, {"--n"});
}

TEST_CASE("spc funnel errors: a failing command leaves no file and keeps an existing one") {
  const fs::path bad = write_text("funnel_bad", "unit,y,n\nA,3,10\nB,12,10\n");
  const fs::path out = scratch_file("funnel_out"), sum = scratch_file("funnel_sum");
  const std::string args = "funnel --input " + quote(bad) + " --unit unit --y y --n n --type pr --output " +
                           quote(out) + " --summary " + quote(sum);
  expect_error(args, 1, {"unit 'B'"});
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(sum));
  std::ofstream(out) << "keep\n";
  expect_error(args, 1, {"unit 'B'"});
  CHECK(slurp(out) == "keep\n");
  CHECK_FALSE(fs::exists(sum));
  // No temporary file is left beside them.
  for (const auto& entry : fs::directory_iterator(out.parent_path()))
    CHECK_MESSAGE(entry.path().string().find(".spc-") == std::string::npos, entry.path());
}

TEST_CASE("spc funnel docs: the hospital-infection example of docs/funnel.md and docs/cli.md") {
  const std::string data = std::string(SPC_EXAMPLES_DATA) + "/hospital_infections_expected.csv";
  const std::string args = "funnel --input " + quote(data) +
                           " --by infection --unit hospital --y n --n expected --type sr";
  const fs::path units = scratch_file("hospitals"), sum = scratch_file("infections");
  const cli_result r = spc_cli(args + " --output " + quote(units) + " --summary " + quote(sum));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(slurp(sum) ==
        "infection,n_units,target,phi,tau2,overdispersed,n_outliers_high,n_outliers_low,n_estimate,adjustment\n"
        "BAC,6,1,10.7519269585327,0.0387865298367673,true,0,0,6,additive\n"
        "CDI,6,1,10.6413315951775,0.0544382850623906,true,0,0,6,additive\n"
        "UTI,6,1,26.1663693231818,0.0213099861985155,true,0,0,6,additive\n");
  CHECK(contains(r.out, "Group infection=UTI: 6 units; target 1 (O = E)\n  phi 26.166, tau2 0.02131 (6 units in the "
                        "estimate): over-dispersed (phi > 1); additive adjusted limits drawn\n"));
  // Without the adjustment 8 of the 18 points are flagged.
  const cli_result none = spc_cli(args + " --overdispersion none --output " + quote(units));
  REQUIRE(none.status == 0);
  CHECK(contains(none.out, "1 high: HGH (1.1628); 1 low: NOH (0.71218)"));
  CHECK(contains(none.out, "1 high: BFH (1.5851); 1 low: NOH (0.73722)"));
  CHECK(contains(none.out, "2 high: AHH (1.1027), HGH (1.0805); 2 low: BOH (0.63637), NOH (0.79814)"));
  // CQC: BFH's CDI ratio is flagged high.
  const cli_result cqc = spc_cli(args + " --sr-method cqc --output " + quote(units));
  CHECK(contains(cqc.out, "phi 3.5173"));
  CHECK(contains(cqc.out, "1 high: BFH (1.5851); 0 low"));
  // The weekly A&E shares: 16 of 20 weeks outside the plain funnel, none outside the adjusted one.
  const std::string nhs = "funnel --input " + quote(std::string(SPC_EXAMPLES_DATA) + "/nhs_accidents.csv") +
                          " --unit i --y r --n n --type pr --output " + quote(units);
  CHECK(contains(spc_cli(nhs + " --overdispersion none").out, "outliers outside the 99.8 % limits: 8 high"));
  CHECK(contains(spc_cli(nhs + " --overdispersion none").out, "; 8 low"));
  CHECK(contains(spc_cli(nhs).out, "phi 84.845"));
  CHECK(contains(spc_cli(nhs).out, "0 high; 0 low"));
}

#endif  // SPC_CLI_PATH

TEST_CASE("funnel example data: the expected infections are the risk days times the region's rate") {
  // examples/data/PROVENANCE.md: expected = days × Σn / Σdays per infection.
  const auto src = io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/hospital_infections.csv");
  const auto der = io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/hospital_infections_expected.csv");
  REQUIRE(src.rows == der.rows);
  REQUIRE(src.rows == 432);
  const auto n = src.numbers("n"), days = src.numbers("days"), expected = der.numbers("expected");
  std::map<std::string, std::pair<double, double>> totals;
  for (std::size_t k = 0; k < src.rows; ++k) {
    auto& t = totals[src.cells[src.column("infection")][k]];
    t.first += n[k];
    t.second += days[k];
  }
  for (std::size_t k = 0; k < src.rows; ++k) {
    for (const char* col : {"hospital", "infection", "month", "n", "days"})
      CHECK(src.cells[src.column(col)][k] == der.cells[der.column(col)][k]);
    const auto& t = totals.at(src.cells[src.column("infection")][k]);
    CHECK(expected[k] == doctest::Approx(days[k] * t.first / t.second).epsilon(1e-13));
  }
}

}  // namespace spc::test
