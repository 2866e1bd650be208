import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_engine_core_never_imports_django():
    # A fresh interpreter: the test process itself may already have Django loaded by pytest-django.
    code = (
        "import sys, engine.core.runtime, engine.core.validate, engine.core.definition;"
        "sys.exit('django' in sys.modules or any(m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode == 0
