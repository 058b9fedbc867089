"""The question path loads nothing of the build: no parsing, chunking, importers, fetching, PDF or torch."""

from __future__ import annotations

import json
import subprocess
import sys

BUILD_SIDE = ("reviewqa.build", "reviewqa.parse", "reviewqa.chunk", "reviewqa.abstracts", "reviewqa.fetch",
              "pypdf", "torch", "sentence_transformers", "openai", "filelock")


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    return set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, text=True).stdout))


def test_importing_the_question_path_loads_no_build_module():
    loaded = _loaded_after("import reviewqa.assistant, reviewqa.render")
    assert not {name for name in loaded for side in BUILD_SIDE if name == side or name.startswith(side + ".")}


def test_the_app_page_loads_the_build_only_when_someone_builds():
    loaded = _loaded_after("import reviewqa.app.page")
    assert "reviewqa.build" not in loaded and "torch" not in loaded
