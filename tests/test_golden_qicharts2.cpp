// Every case of the qicharts2 golden suite through the C++ API: floats to 1e-9 relative, flags
// and counts exactly.
#include <doctest/doctest.h>

#include "golden.hpp"

using namespace spc;

namespace {

int check_chart(chart_type chart) {
  int cases = 0;
  for (const auto& g : test::qicharts2_cases()) {
    if (g.options.chart != chart) continue;
    ++cases;
    const chart_result r = qic(g.series(), g.options);
    CHECK_MESSAGE(test::compare(g, r) == 0, "golden case " << g.id);
  }
  return cases;
}

}  // namespace

TEST_CASE("golden qicharts2: run charts") { CHECK(check_chart(chart_type::run) == 10); }
TEST_CASE("golden qicharts2: I charts") { CHECK(check_chart(chart_type::i) == 10); }
TEST_CASE("golden qicharts2: MR charts") { CHECK(check_chart(chart_type::mr) == 10); }
TEST_CASE("golden qicharts2: P charts") { CHECK(check_chart(chart_type::p) == 10); }
TEST_CASE("golden qicharts2: U charts") { CHECK(check_chart(chart_type::u) == 10); }
TEST_CASE("golden qicharts2: C charts") { CHECK(check_chart(chart_type::c) == 10); }
TEST_CASE("golden qicharts2: Laney P' charts") { CHECK(check_chart(chart_type::pp) == 10); }
TEST_CASE("golden qicharts2: Laney U' charts") { CHECK(check_chart(chart_type::up) == 10); }
TEST_CASE("golden qicharts2: G charts") { CHECK(check_chart(chart_type::g) == 10); }
TEST_CASE("golden qicharts2: T charts") { CHECK(check_chart(chart_type::t) == 10); }
TEST_CASE("golden qicharts2: Xbar charts") { CHECK(check_chart(chart_type::xbar) == 10); }
TEST_CASE("golden qicharts2: S charts") { CHECK(check_chart(chart_type::s) == 10); }

TEST_CASE("golden qicharts2: all 120 cases are in the suite") {
  CHECK(test::qicharts2_cases().size() == 120);
  for (const auto& g : test::qicharts2_cases()) CHECK(g.points.size() > 0);
}
