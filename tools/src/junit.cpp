#include "junit.hpp"

#include "cli_input.hpp"

#include <fmt/format.h>
#include <tinyxml2.h>

#include <cstdio>
#include <filesystem>

namespace omega::cli {

void write_junit(const std::string& path, const std::vector<JunitSuite>& all) {
  tinyxml2::XMLDocument doc;
  doc.InsertFirstChild(doc.NewDeclaration());
  auto* suites = doc.NewElement("testsuites");
  doc.InsertEndChild(suites);
  for (const JunitSuite& suite_in : all) {
    const std::string& suite = suite_in.name;
    const std::vector<JunitCase>& cases = suite_in.cases;
    auto* s = doc.NewElement("testsuite");
    suites->InsertEndChild(s);
    std::size_t failures = 0, errors = 0;
    double total = 0;
    for (const auto& c : cases) {
      auto* t = doc.NewElement("testcase");
      t->SetAttribute("name", c.name.c_str());
      t->SetAttribute("classname", c.classname.c_str());
      t->SetAttribute("time", fmt::format("{:.3f}", c.seconds).c_str());
      // <failure> and <error> carry the text twice: as the message attribute and as the body.
      auto add = [&](const char* tag, const std::string& text) {
        auto* e = doc.NewElement(tag);
        e->SetAttribute("message", text.c_str());
        e->SetText(text.c_str());
        t->InsertEndChild(e);
      };
      if (c.failure) {
        ++failures;
        add("failure", *c.failure);
      }
      if (c.error) {
        ++errors;
        add("error", *c.error);
      }
      if (!c.output.empty()) {
        auto* o = doc.NewElement("system-out");
        o->SetText(c.output.c_str());
        t->InsertEndChild(o);
      }
      s->InsertEndChild(t);
      total += c.seconds;
    }
    s->SetAttribute("name", suite.c_str());
    s->SetAttribute("tests", static_cast<unsigned>(cases.size()));
    s->SetAttribute("failures", static_cast<unsigned>(failures));
    s->SetAttribute("errors", static_cast<unsigned>(errors));
    s->SetAttribute("time", fmt::format("{:.3f}", total).c_str());
  }
  tinyxml2::XMLPrinter printer;
  doc.Print(&printer);

  const std::filesystem::path target(path);
  const std::filesystem::path tmp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw InputError(fmt::format("{}: cannot write the JUnit report", path));
  const std::size_t n = static_cast<std::size_t>(printer.CStrSize() - 1);
  const bool ok = std::fwrite(printer.CStr(), 1, n, f) == n && std::fflush(f) == 0;
  std::fclose(f);
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, target, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    throw InputError(fmt::format("{}: cannot write the JUnit report", path));
  }
}

}  // namespace omega::cli
