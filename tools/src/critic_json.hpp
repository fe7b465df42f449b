#pragma once
// Findings as JSON (nlohmann): the critic's --format json, and what explore --critic's workers send.

#include <omega/critic/critic.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace omega::cli {

using Json = nlohmann::ordered_json;

Json repairs_json(const critic::Finding& f);
Json finding_json(const critic::Finding& f);
critic::Finding finding_from_json(const Json& j);  // throws nlohmann::json::exception on a bad shape

// The text form: "LEVEL RULE [SCENARIO]: MESSAGE", then evidence and repairs (checked or not), one
// per line, each line starting with `indent`.
std::string finding_text(const critic::Finding& f, std::string_view indent);

}  // namespace omega::cli
