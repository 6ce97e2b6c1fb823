"""Validate an HSDS tabular export against the HSDS 3 JSON Schema (jsonschema from PyPI).

Runs in the validators' virtualenv. Usage: python hsds_schema.py export.json tabular.json
Prints each violation and exits 1 when there is any.
"""

import json
import sys

import jsonschema


def main(export_path, schema_path):
    with open(export_path, encoding="utf-8") as handle:
        doc = json.load(handle)
    with open(schema_path, encoding="utf-8") as handle:
        schema = json.load(handle)
    tables = {key: value for key, value in doc.items() if key != "about"}
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = list(validator.iter_errors(tables))
    for error in errors[:20]:
        print("/".join(str(p) for p in error.absolute_path), error.message[:300])
    print(f"{len(errors)} schema violations in {sum(len(v) for v in tables.values())} rows")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main(*sys.argv[1:3])
