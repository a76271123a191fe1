// spc/spc.hpp: the whole public API in one include.
#pragma once

#include "spc/batch.hpp"      // many series in one call, in parallel
#include "spc/chart.hpp"      // spc::qic: every chart, baselines, sigma signals
#include "spc/constants.hpp"  // c4, A3, B3, B4, d2, D4
#include "spc/mdc.hpp"        // NHS "Making Data Count": XmR, point types, variation, assurance
#include "spc/rules.hpp"      // special-cause rule sets: 3-sigma, Anhøj, IHI, WE, Nelson, MDC
#include "spc/runs.hpp"       // runs analysis: Anhøj rules, best box, cut box
#include "spc/subgroups.hpp"  // raw measurements to subgroup summaries (Xbar, S)
#include "spc/types.hpp"      // chart types, methods, missing values, input_error
