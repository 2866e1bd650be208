"""The front end's API types (flowdesigner/frontend/src/shared/api-schema.ts) are generated from the
OpenAPI schema by `make api-types`; this fails when the committed file is not what the current schema
generates, so a change to a serializer or a view cannot leave the front end's types behind.

The schema is generated in-process as `manage.py spectacular` does, written with sorted keys as
`npm run api-types` writes it (python -m json.tool --sort-keys), and handed to the same openapi-typescript.
"""

import difflib
import json
import subprocess
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.utils.encoders import JSONEncoder

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "flowdesigner/frontend/src/shared/api-schema.ts"
GENERATOR = ROOT / "node_modules/.bin/openapi-typescript"


def test_committed_api_types_are_what_the_schema_generates(tmp_path):
    assert GENERATOR.exists(), f"{GENERATOR} is missing: install the front end's packages first (npm ci)"
    schema = SchemaGenerator().get_schema(request=None, public=True)
    schema_file = tmp_path / "api-schema.json"
    schema_file.write_text(json.dumps(schema, cls=JSONEncoder, sort_keys=True, indent=4))
    generated = tmp_path / "api-schema.ts"
    run = subprocess.run(
        [str(GENERATOR), str(schema_file), "--output", str(generated)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, f"openapi-typescript failed:\n{run.stdout}\n{run.stderr}"
    expected, committed = generated.read_text(), COMMITTED.read_text()
    if expected != committed:
        diff = difflib.unified_diff(
            committed.splitlines(), expected.splitlines(), "committed", "generated", lineterm=""
        )
        pytest.fail(
            f"{COMMITTED.relative_to(ROOT)} is not what the current API schema generates: "
            "run `make api-types` and commit the result. First differences:\n" + "\n".join(list(diff)[:40])
        )
