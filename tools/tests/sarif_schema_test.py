#!/usr/bin/env python3
"""`critic --format sarif` validates against the committed OASIS SARIF 2.1.0 schema.

Run with Debian's interpreter (/usr/bin/python3, package python3-jsonschema): the python3 first on
PATH may be another installation without the module."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import expect, finish, run_program  # noqa: E402

import jsonschema  # noqa: E402

RUNNER, CASES, SCHEMA = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
schema = json.load(open(SCHEMA))
validator = jsonschema.Draft4Validator(schema)


def errors_of(doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


code, out, err = run_program([RUNNER, "critic", CASES, "--format", "sarif"])
doc = json.loads(out)
problems = errors_of(doc)
expect("the corpus's SARIF validates against the 2.1.0 schema", code == 1 and not problems and doc["runs"][0]["results"],
       "\n".join(problems[:10]) or err)

# Negative control: the validator rejects what the schema forbids (so a pass above means something).
broken = json.loads(out)
broken["runs"][0]["results"][0]["level"] = "fatal"
del broken["runs"][0]["tool"]["driver"]["name"]
expect("a broken twin fails validation", len(errors_of(broken)) >= 2, str(errors_of(broken)))

finish()
