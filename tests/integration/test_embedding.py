"""The ONNX backends against the model itself (sentence-transformers on torch), on real policy text.
These need the torch extra (`make test` installs it); the serving install has no torch."""
from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="the torch extra is not installed (pip install -e '.[torch]')")
pytest.importorskip("sentence_transformers", reason="the torch extra is not installed (pip install -e '.[torch]')")

from core.config import BUNDLED_EMBEDDER, load_settings, packaged_weights  # noqa: E402
from core.embed import Embedder  # noqa: E402
from core.onnx_model import BUNDLE_FILES, bundle  # noqa: E402

SENTENCES = [
    "Short-term disability pays 60% of your base pay after a 7-day waiting period.",
    "You may continue medical, dental and vision coverage under COBRA for up to 18 months.",
    "A performance improvement plan normally lasts 60 days and sets two to four measurable goals.",
    "Bereavement leave: up to five paid days for the death of an immediate family member.",
    "Employees on an H-1B visa have a grace period of up to 60 days after employment ends.",
    "The Employee Assistance Program offers six free counseling sessions per issue.",
]
QUESTIONS = [
    ("how much does std pay and when does it start", 0),
    ("how long can I keep my health insurance after I leave", 1),
    ("how many goals can a PIP have", 2),
    ("my grandmother died, how many days off do I get", 3),
    ("visa grace period after layoff", 4),
    ("free therapy sessions through EAP", 5),
]


@pytest.fixture(scope="module")
def torch_embedder():
    return Embedder(load_settings(environ={"BENEFITS_QA_EMBED_BACKEND": "torch"}))


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_onnx_vectors_match_the_torch_model(backend, torch_embedder, tmp_path):
    onnx_embedder = Embedder(load_settings(environ={"BENEFITS_QA_EMBED_BACKEND": backend}))
    texts = SENTENCES + [q for q, _ in QUESTIONS]
    reference, vectors = torch_embedder.embed(texts), onnx_embedder.embed(texts)
    agreement = (reference * vectors).sum(axis=1)
    # fp32 is the same computation; int8 rounds weights and activations.
    assert agreement.min() > (0.9999 if backend == "onnx" else 0.97), agreement
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # What matters for retrieval: every question still finds its sentence first.
    sentence_vectors, question_vectors = vectors[: len(SENTENCES)], vectors[len(SENTENCES):]
    assert [int(np.argmax(sentence_vectors @ q)) for q in question_vectors] == [i for _, i in QUESTIONS]


def test_a_texts_vector_does_not_depend_on_the_others_in_the_call():
    # Dynamic int8 quantisation scales by the whole input: in a padded batch a chunk's vector
    # depended on its batch mates. Each text now runs alone, as a question does at query time.
    embedder = Embedder(load_settings(environ={"BENEFITS_QA_EMBED_BACKEND": "onnx-int8"}))
    together = embedder.embed(SENTENCES)
    for i, sentence in enumerate(SENTENCES):
        assert np.array_equal(embedder.embed([sentence])[0], together[i])
    assert np.array_equal(embedder.embed(SENTENCES[::-1])[::-1], together)


def test_bert_models_are_exported_with_fused_attention():
    embedder = Embedder(load_settings(environ={"BENEFITS_QA_EMBED_BACKEND": "onnx-int8"}))
    graph = onnx.load(str(embedder.model.path))
    operators = {node.op_type for node in graph.graph.node}
    # One fused (quantised) attention node per layer instead of a dozen separate operators.
    assert {"QAttention", "Attention"} & operators, sorted(operators)
    assert "SkipLayerNormalization" in operators


def test_exporting_leaves_the_logging_set_up_as_it_was(tmp_path):
    # ONNX Runtime's quantizer logs through the root logger, which installs a stderr handler; left
    # behind, it would print library debug messages from then on (text of questions among them).
    import logging

    from core.onnx_model import export

    root = logging.getLogger()
    pytest_handlers = root.handlers[:]
    root.handlers[:] = []  # as in the CLI or app, where nothing has configured logging
    try:
        export(Path(packaged_weights()), tmp_path / "model-int8.onnx", quantized=True)
        after = (root.handlers[:], root.level, logging.root.manager.disable)
    finally:
        root.handlers[:] = pytest_handlers
    assert (tmp_path / "model-int8.onnx").exists()
    assert after == ([], logging.WARNING, 0)


def test_the_shipped_model_is_the_export_of_the_packaged_weights(tmp_path):
    # The app runs core/data/embedder without torch; it must be exactly what the recipe makes of the
    # weights, or indexes built with the torch extra and without it would disagree. If this fails
    # after a change to the recipe or to onnxruntime, run `make embedder` and commit the result.
    bundle(Path(packaged_weights()), tmp_path)
    for name in (*BUNDLE_FILES, "model-int8.onnx"):
        assert filecmp.cmp(tmp_path / name, BUNDLED_EMBEDDER / name, shallow=False), name


def test_the_default_backend_runs_the_shipped_graph():
    embedder = Embedder(load_settings())
    assert embedder.model.path == BUNDLED_EMBEDDER / "model-int8.onnx"
