// Montgomery's textbook examples (Introduction to Statistical Quality Control, 6th ed.) and the
// real hospital-infection data, against qicharts2's own reference outputs (every per-point
// column of tests/data/textbook/qicharts2_ref_*.csv).
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <numeric>

#include "golden.hpp"
#include "spc/subgroups.hpp"

using namespace spc;

namespace {

const std::string textbook = "textbook/";

struct reference {
  io::csv_table t;
  explicit reference(const std::string& name) : t(io::read_csv(test::data_path(textbook + name))) {}
  std::vector<double> col(const char* name) const { return t.numbers(name); }
  std::vector<bool> flags(const char* name) const {
    std::vector<bool> out;
    for (const auto& c : t.cells[t.column(name)]) out.push_back(test::truth(c));
    return out;
  }
};

// Compares every per-point column of a qicharts2 reference with a computed chart; `multiply`
// scales the computed y, centre line and limits (qicharts2's display-only `multiply`).
void check_against(const reference& ref, const chart_result& r, double multiply = 1.0,
                   double width = 1.0) {
  const auto y = ref.col("y"), cl = ref.col("cl"), lcl = ref.col("lcl"), ucl = ref.col("ucl");
  const auto part = ref.col("part"), n_obs = ref.col("n.obs"), n_useful = ref.col("n.useful"),
             lr = ref.col("longest.run"), lrm = ref.col("longest.run.max"), nc = ref.col("n.crossings"),
             ncm = ref.col("n.crossings.min");
  const auto baseline = ref.flags("baseline"), include = ref.flags("include"), sigma = ref.flags("sigma.signal"),
             runs = ref.flags("runs.signal");
  REQUIRE(r.size() == y.size());
  for (std::size_t i = 0; i < r.size(); ++i) {
    INFO("point " << i + 1);
    CHECK(test::close(r.y[i] * multiply, y[i]));
    CHECK(test::close(r.cl[i] * multiply, cl[i]));
    CHECK(test::close((r.cl[i] + (r.lcl[i] - r.cl[i]) * width) * multiply, lcl[i]));
    CHECK(test::close((r.cl[i] + (r.ucl[i] - r.cl[i]) * width) * multiply, ucl[i]));
    CHECK(r.part[i] == static_cast<int>(part[i]));
    CHECK(static_cast<bool>(r.baseline[i]) == baseline[i]);
    CHECK(static_cast<bool>(r.include[i]) == include[i]);
    CHECK(static_cast<bool>(r.sigma_signal[i]) == sigma[i]);
    const runs_result& rr = r.parts[static_cast<std::size_t>(r.part[i] - 1)].runs;
    CHECK(rr.n_obs == static_cast<int>(n_obs[i]));
    CHECK(rr.n_useful == static_cast<int>(n_useful[i]));
    CHECK(rr.longest_run == static_cast<int>(lr[i]));
    CHECK(rr.longest_run_max == static_cast<int>(lrm[i]));
    CHECK(rr.n_crossings == static_cast<int>(nc[i]));
    CHECK(rr.n_crossings_min == static_cast<int>(ncm[i]));
    CHECK(rr.runs_signal == runs[i]);
  }
}

// Raw measurements by sample number → subgroup summaries (in order of first appearance).
subgroup_summary subgroups_of(const std::string& file) {
  const auto t = io::read_csv(test::data_path(textbook + file));
  const auto sample = t.numbers("sample"), obs = t.numbers("obs");
  std::map<double, std::size_t> index;
  std::vector<std::size_t> group;
  std::vector<double> values;
  for (std::size_t k = 0; k < t.rows; ++k) {
    if (std::isnan(sample[k])) continue;  // a measurement without a subgroup is not part of any
    auto [it, added] = index.emplace(sample[k], index.size());
    group.push_back(it->second);
    values.push_back(obs[k]);
  }
  return summarise_subgroups(values, group, index.size());
}

chart_result subgroup_chart(const std::string& file, chart_type chart) {
  const auto s = subgroups_of(file);
  chart_options o;
  o.chart = chart;
  return qic(series_view{s.mean, s.size, s.sd}, o);
}

}  // namespace

TEST_CASE("Montgomery Ex 6.3: Xbar chart of piston-ring diameters (25 x 5)") {
  const auto r = subgroup_chart("montgomery_tbl_06_03.csv", chart_type::xbar);
  check_against(reference("qicharts2_ref_ex_6_3_1.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(74.001176).epsilon(1e-9));
  CHECK(r.lcl[0] == doctest::Approx(73.98776012).epsilon(1e-9));
  CHECK(r.ucl[0] == doctest::Approx(74.01459188).epsilon(1e-9));
}

TEST_CASE("Montgomery Ex 6.3: S chart of piston-ring diameters") {
  const auto r = subgroup_chart("montgomery_tbl_06_03.csv", chart_type::s);
  check_against(reference("qicharts2_ref_ex_6_3_2.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(0.009399483886).epsilon(1e-9));
  CHECK(r.lcl[0] == 0.0);
}

TEST_CASE("Montgomery Ex 6.4: Xbar chart with variable subgroup sizes (pooled sd)") {
  const auto r = subgroup_chart("montgomery_tbl_06_04.csv", chart_type::xbar);
  check_against(reference("qicharts2_ref_ex_6_4_1.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(74.00075221).epsilon(1e-9));
}

TEST_CASE("Montgomery Ex 6.4: S chart with variable subgroup sizes") {
  const auto r = subgroup_chart("montgomery_tbl_06_04.csv", chart_type::s);
  check_against(reference("qicharts2_ref_ex_6_4_2.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(0.01029117745).epsilon(1e-9));
}

TEST_CASE("Montgomery NA test: a subgroup of one has no limits but enters the centre line") {
  const auto r = subgroup_chart("montgomery_NA_test.csv", chart_type::xbar);
  // A documented deviation: subgroup 16 has no measurements at all. qicharts2 still counts it in
  // the pooled sd's degrees of freedom as n - 1 = -1 (75 instead of 76), which widens its limits
  // by sqrt(76/75). An empty week should not change the estimate of sigma, so this library pools
  // over the 76 real degrees of freedom; everything else agrees exactly.
  check_against(reference("qicharts2_ref_NA_test.csv"), r, 1.0, std::sqrt(76.0 / 75.0));
  CHECK(std::isnan(r.y[15]));
  CHECK(std::isnan(r.ucl[4]));  // a subgroup of one has no sd, so no limits
  CHECK(r.parts[0].runs.n_useful == 24);
}

TEST_CASE("Montgomery Ex 6.5: I chart of weekly costs, frozen after 20 weeks") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_06_07.csv"));
  const auto cost = t.numbers("cost");
  chart_options o;
  o.chart = chart_type::i;
  o.freeze = 20;
  const auto r = qic(cost, {}, o);
  check_against(reference("qicharts2_ref_ex_6_5_3.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(300.5).epsilon(1e-12));
  CHECK(r.ucl[0] == doctest::Approx(321.2166853).epsilon(1e-9));
  CHECK(r.sigma_signal[38]);
  CHECK(r.sigma_signal[39]);
  CHECK(std::accumulate(r.sigma_signal.begin(), r.sigma_signal.end(), 0) == 2);
}

TEST_CASE("Montgomery Ex 6.5: MR chart of weekly costs, frozen after 20 weeks") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_06_07.csv"));
  chart_options o;
  o.chart = chart_type::mr;
  o.freeze = 20;
  const auto r = qic(t.numbers("cost"), {}, o);
  check_against(reference("qicharts2_ref_ex_6_5_4.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(7.789473684).epsilon(1e-9));
  CHECK(r.ucl[0] == doctest::Approx(25.44821053).epsilon(1e-9));
}

TEST_CASE("Montgomery Ex 7.1: P chart of orange-juice cans, two points excluded, split after 30") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_07_03.csv"));
  chart_options o;
  o.chart = chart_type::p;
  o.exclude = {15, 23};
  o.parts = {30};
  const auto r = qic(t.numbers("count"), t.numbers("size"), o);
  check_against(reference("qicharts2_ref_ex_7_1_5.csv"), r);
  CHECK(r.parts[0].cl == doctest::Approx(0.215).epsilon(1e-12));
  CHECK(r.parts[1].cl == doctest::Approx(0.1096875).epsilon(1e-12));
  CHECK(r.parts[0].runs.n_obs == 28);
}

TEST_CASE("Montgomery Table 7.4: P chart with variable sample sizes") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_07_04.csv"));
  chart_options o;
  o.chart = chart_type::p;
  const auto r = qic(t.numbers("count"), t.numbers("size"), o);
  check_against(reference("qicharts2_ref_tbl_7_4_1.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(0.09551020408).epsilon(1e-9));
  CHECK(r.sigma_signal[10]);
}

TEST_CASE("Montgomery Ex 7.3: C chart of nonconformities, excluded points, frozen after 26") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_07_08.csv"));
  chart_options o;
  o.chart = chart_type::c;
  o.exclude = {6, 20};
  o.freeze = 26;
  const auto r = qic(t.numbers("count"), {}, o);
  check_against(reference("qicharts2_ref_ex_7_3_3.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(19.66666667).epsilon(1e-9));
  CHECK(r.parts[0].runs.runs_signal);  // n 44: crossings 14 < 16
}

TEST_CASE("Montgomery Table 7.10: U chart, constant inspection units") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_07_10.csv"));
  chart_options o;
  o.chart = chart_type::u;
  const auto r = qic(t.numbers("count"), t.numbers("size"), o);
  check_against(reference("qicharts2_ref_ex_7_4_1.csv"), r);
  CHECK(r.ucl[0] == doctest::Approx(0.1894123044).epsilon(1e-9));
}

TEST_CASE("Montgomery Ex 7.5: U chart of dyed cloth, per 50 square metres") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_07_11.csv"));
  chart_options o;
  o.chart = chart_type::u;
  const auto r = qic(t.numbers("count"), t.numbers("meters"), o);
  check_against(reference("qicharts2_ref_ex_7_5_1.csv"), r, 50.0);
}

TEST_CASE("Montgomery Ex 7.6: T chart of valve failure times") {
  const auto t = io::read_csv(test::data_path(textbook + "montgomery_tbl_07_14.csv"));
  chart_options o;
  o.chart = chart_type::t;
  const auto r = qic(t.numbers("hours"), {}, o);
  check_against(reference("qicharts2_ref_ex_7_6_1.csv"), r);
  CHECK(r.cl[0] == doctest::Approx(430.0409518).epsilon(1e-9));
  CHECK(r.ucl[0] == doctest::Approx(6937.933488).epsilon(1e-9));
  CHECK(r.lcl[0] == 0.0);
}

namespace {

// Hospital-acquired infections (Capital Region of Denmark, 2015-16) aggregated by month over the
// rows selected by `keep`, as a U chart.
chart_result infections(const std::function<bool(const std::string&, const std::string&)>& keep) {
  const auto t = io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/hospital_infections.csv");
  const auto n = t.numbers("n"), days = t.numbers("days");
  const auto& hospital = t.cells[t.column("hospital")];
  const auto& infection = t.cells[t.column("infection")];
  const auto& month = t.cells[t.column("month")];
  std::map<std::string, std::pair<double, double>> by_month;  // months sort as ISO dates
  for (std::size_t k = 0; k < t.rows; ++k) {
    if (!keep(hospital[k], infection[k])) continue;
    by_month[month[k]].first += n[k];
    by_month[month[k]].second += days[k];
  }
  std::vector<double> y, d;
  for (const auto& [m, v] : by_month) {
    y.push_back(v.first);
    d.push_back(v.second);
  }
  chart_options o;
  o.chart = chart_type::u;
  return qic(y, d, o);
}

double average(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); }

void check_summary(const chart_result& r, const io::csv_table& ref, std::size_t row) {
  const auto alcl = ref.numbers("aLCL"), cl = ref.numbers("CL"), aucl = ref.numbers("aUCL"),
             lr = ref.numbers("longest.run"), nc = ref.numbers("n.crossings"), sig = ref.numbers("runs.signal");
  CHECK(test::close(average(r.lcl), alcl[row]));
  CHECK(test::close(r.cl[0], cl[row]));
  CHECK(test::close(average(r.ucl), aucl[row]));
  CHECK(r.parts[0].runs.longest_run == static_cast<int>(lr[row]));
  CHECK(r.parts[0].runs.n_crossings == static_cast<int>(nc[row]));
  CHECK(r.parts[0].runs.runs_signal == (sig[row] != 0));
}

}  // namespace

TEST_CASE("hospital infections: U chart of all infections (qicharts2 hai_1)") {
  const auto ref = io::read_csv(test::data_path(textbook + "qicharts2_ref_hai_1.csv"));
  check_summary(infections([](const std::string&, const std::string&) { return true; }), ref, 0);
}

TEST_CASE("hospital infections: U charts by infection (qicharts2 hai_2)") {
  const auto ref = io::read_csv(test::data_path(textbook + "qicharts2_ref_hai_2.csv"));
  const auto& facet = ref.cells[ref.column("facet1")];
  for (std::size_t row = 0; row < ref.rows; ++row) {
    INFO(facet[row]);
    check_summary(infections([&](const std::string&, const std::string& inf) { return inf == facet[row]; }), ref,
                  row);
  }
}

TEST_CASE("hospital infections: U charts by hospital and infection (qicharts2 hai_3)") {
  const auto ref = io::read_csv(test::data_path(textbook + "qicharts2_ref_hai_3.csv"));
  const auto& f1 = ref.cells[ref.column("facet1")];
  const auto& f2 = ref.cells[ref.column("facet2")];
  int signals = 0;
  for (std::size_t row = 0; row < ref.rows; ++row) {
    INFO(f1[row] << " " << f2[row]);
    const auto r = infections([&](const std::string& h, const std::string& inf) { return h == f1[row] && inf == f2[row]; });
    check_summary(r, ref, row);
    signals += r.parts[0].runs.runs_signal;
  }
  CHECK(signals == 2);  // only BOH-UTI and NOH-UTI
}
