#pragma once
// The runner's reports as JSON (nlohmann): `run`, `shrink` and `explore --format json`, and the
// shrink figures a worker process sends its parent. The same figures as the text (results.hpp).

#include "report.hpp"
#include "results.hpp"

#include <nlohmann/json.hpp>

namespace omega::cli {

using Json = nlohmann::ordered_json;

std::string json_text(const Json& j, int indent = -1);  // dump(), never throwing on invalid UTF-8

Json shrink_json(const ShrinkOutcome& o);
ShrinkOutcome shrink_from_json(const Json& j);  // throws nlohmann::json::exception on a bad shape

Json run_json(const RunFigures& f);
// `shrink --format json`: the failing run as given (how it was selected, its outcome and message,
// its reproduce command) and the shrink figures.
Json shrink_document(const std::string& scenario, const std::string& how, const sim::RunResult& failing,
                     const std::string& reproduce, const ShrinkOutcome& shrunk);
Json failure_json(const FailureFigures& f);
Json explore_json(const ExploreFigures& f);
Json dfs_json(const DfsFigures& f);
Json rff_json(const RffFigures& f);

}  // namespace omega::cli
