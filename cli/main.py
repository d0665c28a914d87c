"""`benefits-qa`: thin command line over rag and ingest. Parses, calls, prints; no logic here.

Heavy imports (torch, chromadb, llama-index) happen inside the commands, so `--help` is instant.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from core.errors import BenefitsQAError
from rag.safety_encoder import FineTuning


def _settings(args):
    from core.config import load_settings

    return load_settings(index_dir=Path(args.index) if getattr(args, "index", None) else None)


def cmd_ingest(args) -> int:
    from ingest.pipeline import run_ingest

    settings = _settings(args)
    sources = [Path(s) for s in args.sources or []]
    targets = args.paths or ([] if sources else [settings.corpus_dir])
    if not sys.stderr.isatty():
        progress = _progress_lines("ingest")
    else:
        progress = None if args.json else _progress_bar()
    report = run_ingest(targets, settings, dry_run=args.dry_run, progress=progress, sources_files=sources)
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(_ingest_table(report))
    return 0 if report.ok else 1


def _progress_bar():
    from tqdm import tqdm

    bar = {"bar": None}

    def update(done, total, what):
        if bar["bar"] is not None and bar["bar"].total != total:
            bar["bar"].close()
            bar["bar"] = None
        if bar["bar"] is None:
            bar["bar"] = tqdm(total=total, file=sys.stderr, leave=False)
        bar["bar"].n = done
        bar["bar"].set_description(what[:40])
        bar["bar"].refresh()
        if done >= total:
            bar["bar"].close()

    return update


def _progress_lines(command: str):
    """Progress for a log or a pipe (stderr is not a terminal): plain lines, no carriage returns.
    One at the start and the end of each step (named by the first word of `what`) and about every
    tenth of it in between. `what` names files or fixed steps, never a question (questions never
    reach logs)."""
    last = {"step": "", "done": 0, "shown": 0}

    def update(done, total, what):
        step = what.split(" ", 1)[0]
        if step != last["step"] or done < last["done"] or done >= total or done - last["shown"] >= max(1, total // 10):
            print(f"{command} {done}/{total}: {what}", file=sys.stderr, flush=True)
            last["shown"] = done
        last["step"], last["done"] = step, done

    return update


def _ingest_table(report) -> str:
    lines = []
    for f in report.files:
        extra = f" — {f.reason}" + (f". Hint: {f.hint}" if f.hint else "") if f.reason else ""
        moved = f" (was {f.previous_source})" if f.previous_source else (f" ({f.note})" if f.note else "")
        lines.append(f"  {f.status:<9} {f.source}{moved}  [{f.chunks} chunks]{extra}")
    counts = report.counts_line()
    if report.dry_run:  # the statuses and counts are what an ingest would do: nothing changed
        lines.append(f"Dry run, nothing written ({report.seconds:.1f} s). An ingest now would report "
                     f"{counts or 'nothing to do'} and leave {report.live_documents} documents, "
                     f"{report.live_chunks} chunks live.")
        return "\n".join(lines)
    lines.append(f"{counts or 'nothing to do'} in {report.seconds:.1f} s; "
                 f"{report.live_documents} documents, {report.live_chunks} chunks live.")
    return "\n".join(lines)


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "y", "true"):
        return True
    if text.lower() in ("no", "n", "false"):
        return False
    raise argparse.ArgumentTypeError(f"say yes or no, not {text!r}")


def cmd_ask(args) -> int:
    from core.situation import Situation
    from core.types import Asker
    from rag.answer import Assistant

    groups = frozenset(g.strip() for g in (args.groups or "").split(",") if g.strip())
    try:
        situation = Situation(employment=args.employment, state=args.state.upper() if args.state else None,
                              years_of_service=args.years, age_40_or_over=args.age_40_or_over, medical_plan=args.plan)
    except ValueError as err:
        raise BenefitsQAError(f"{err}. See benefits-qa ask --help.") from None
    answer = Assistant(_settings(args)).ask(args.question, asker=Asker(groups, situation))
    if args.json:
        print(json.dumps(answer.to_json(), indent=2, ensure_ascii=False))
        return 0
    print(answer.full_text())
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"  [{c.n}] {c.label()} ({c.source})")
    return 0


def cmd_serve(args) -> int:
    from api.server import serve

    serve(_settings(args), args.host, args.port)
    return 0


def cmd_status(args) -> int:
    from dataclasses import asdict

    from core.store import IndexStore

    settings = _settings(args)
    store = IndexStore(settings)  # no index: a clear error saying how to build one
    ledger = store.ledger()
    if args.json:
        print(json.dumps({"index": str(store.host), "generation": ledger.generation,
                          "updated_at": ledger.updated_at, "embed_model": ledger.embed_model,
                          "documents": [asdict(e) for e in ledger.documents.values()]}, indent=2))
        return 0
    print(f"Index {store.host}: {len(ledger.documents)} documents, {ledger.chunk_count} chunks, "
          f"last updated {ledger.updated_at}")
    for e in sorted(ledger.documents.values(), key=lambda e: e.source):
        dated = f" effective {e.effective_date}" if e.effective_date else ""
        shown = f"  for {', '.join(e.audience)}" if e.audience else ""
        print(f"  {e.source:<45} sha256:{e.doc_hash[:12]} {e.chunks:>4} chunks{dated}  ingested {e.ingested_at}{shown}")
    return 0


def cmd_eval(args) -> int:
    from rag import evaluate
    from rag.answer import Assistant
    from core.config import PROJECT_ROOT

    path = Path(args.questions or PROJECT_ROOT / "tests" / "eval" / "questions.jsonl")
    questions = evaluate.load_questions(path)
    # Plain lines when stderr is a log or a pipe (nothing on a terminal, as before); fixed step names only.
    step = (lambda done, total, what: None) if sys.stderr.isatty() else _progress_lines("eval")
    step(0, 1, "loading the model")
    assistant = Assistant(_settings(args))
    assistant.ask("warm-up")  # load the model before timing
    outcomes = evaluate.run(assistant, questions, progress=lambda done, total: step(done, total, "questions"))
    dialogues_path = Path(args.dialogues or PROJECT_ROOT / "tests" / "eval" / "dialogues.jsonl")
    dialogue_outcomes = evaluate.run_dialogues(
        assistant, evaluate.load_dialogues(dialogues_path),
        progress=lambda done, total: step(done, total, "dialogues")) if dialogues_path.exists() else None
    report = evaluate.full_report(outcomes, dialogue_outcomes, _safety_reports(args, assistant, step),
                                  llm=bool(assistant.settings.llm))
    step(1, 1, "done")
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
        return 0
    rows = [("questions", report.questions), ("answerable / unanswerable", f"{report.answerable} / {report.unanswerable}"),
            ("hit@1", report.hit_at_1), ("hit@5", report.hit_at_5), ("MRR", report.mrr),
            ("citation precision", report.citation_precision), ("key-fact recall", report.key_fact_recall),
            ("abstention precision", report.abstention_precision), ("abstention recall", report.abstention_recall),
            ("lead@1", report.lead_at_1), ("false refusals", report.false_refusals), ("repeats", report.repeats),
            ("answer sentences (mean)", report.answer_sentences),
            ("latency p50 (ms)", report.latency_p50_ms), ("latency p95 (ms)", report.latency_p95_ms),
            ("multi-turn dialogues", report.multi_turn_dialogues), ("multi-turn hit@5", report.multi_turn_hit_at_5),
            ("multi-turn key-fact recall", report.multi_turn_key_fact_recall),
            ("LLM answers grounded", report.llm_grounded_share),
            ("table rows quoted", f"{report.table_rows_quoted} of {report.table_questions}" if report.table_questions else None),
            ("situation lead@1", f"{report.situation_lead_at_1} of {report.situation_questions}" if report.situation_questions else None),
            ("other case quoted", report.other_case_quoted if report.situation_questions else None)]
    print(f"Evaluation of {path}")
    for name, value in rows:
        print(f"  {name:<28} {value}")
    if report.failures:
        print(f"  {len(report.failures)} questions not perfect (see --json for the list)")
    _print_safety(report.safety)
    return 0


def _safety_reports(args, assistant, step) -> tuple:
    from rag import evaluate
    from core.config import PROJECT_ROOT
    from rag.safety_model import load_labelled

    files = ([evaluate.SafetySetFile(Path(f).name, Path(f), "holdout" in f or "blind" in f) for f in args.safety]
             if args.safety else [f for f in evaluate.safety_sets(PROJECT_ROOT) if f.path.exists()])
    reports = []
    for number, f in enumerate(files):
        step(number, len(files), f"safety check on {f.name}")  # the set's name, not its messages
        reports.append(evaluate.safety_set(f.name, load_labelled(f.path), assistant.safety_check, f.held_out))
    return tuple(reports)


def _print_safety(reports) -> None:
    if not reports:
        return
    print("\nSafety check (crisis recall, false alarms on ordinary and distress messages, concern and distress accuracy):")
    print(f"  {'set':<26} {'messages':>8} {'recall':>7} {'explicit missed':>15} {'false alarms':>12} "
          f"{'concern':>8} {'distress':>8} {'distress→crisis':>15}")
    for r in reports:
        cells = [r.crisis_recall, r.explicit_missed, r.false_alarm_rate, r.concern_accuracy, r.distress_accuracy,
                 r.distress_as_crisis]
        recall, explicit, alarms, concern, distress, as_crisis = ("-" if c is None else c for c in cells)
        print(f"  {r.name:<26} {r.messages:>8} {recall:>7} {explicit:>15} {alarms:>12} {concern:>8} {distress:>8} {as_crisis:>15}")
    for r in reports:
        flagged = [w for w in r.wrong if r.held_out and w.expected in ("none", "distress") and w.got in ("crisis", "concern")]
        if flagged:
            print(f"\n  {r.name}: ordinary messages flagged")
            for w in flagged:
                print(f"    {w.id} ({w.expected} → {w.got}): {w.text}")


def cmd_train_safety(args) -> int:
    from core.config import PROJECT_ROOT
    from core.embed import Embedder
    from rag.safety_model import DEFAULT_MODEL, load_labelled
    from rag.safety_train import training_files, train

    settings = _settings(args)
    files = [Path(f) for f in args.data] if args.data else training_files(PROJECT_ROOT, settings.prompts_dir)
    messages = [m for f in files for m in load_labelled(f)]
    out = Path(args.out or settings.safety_model or DEFAULT_MODEL)
    encoder = None if args.regressions_only else out.parent / (out.stem + ".onnx")
    with tempfile.TemporaryDirectory() as scratch:
        # Trained into scratch, moved beside the model file only when all went well: a failed run
        # leaves the working pair in place.
        report = train(messages, Embedder(settings), max_false_alarm=args.max_false_alarm,
                       trained_on=tuple(f.name for f in files),
                       encoder_path=Path(scratch) / encoder.name if encoder else None,
                       fine_tuning=FineTuning(epochs=args.epochs), log=print)
        if not args.dry_run:
            if encoder:
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(Path(scratch) / encoder.name, encoder)
            report.model.save(out)
    cv = report.cross_validated
    print(f"Trained on {len(messages)} messages from {len(files)} files: "
          + ", ".join(f"{n} {label}" for label, n in report.counts))
    print(f"Thresholds (chosen {cv.method}, frozen): crisis {report.model.thresholds.crisis}, "
          f"concern {report.model.thresholds.concern}, distress {report.model.thresholds.distress}")
    print(f"On the {cv.method} (development figures): crisis recall {cv.crisis_recall}, false alarms {cv.false_alarm_rate}, "
          f"concern {cv.concern_accuracy}, distress {cv.distress_accuracy}, distress given crisis texts {cv.distress_as_crisis}")
    print("(not written: --dry-run)" if args.dry_run else f"Written to {out}" + (f" and {encoder}" if encoder else ""))
    return 0


def cmd_train_ranker(args) -> int:
    from dataclasses import replace

    from rag import evaluate
    from rag.answer import Assistant
    from core.config import PROJECT_ROOT
    from rag.ranker import DEFAULT_RANKER, ranker_examples, train_ranker

    files = [Path(f) for f in args.questions] if args.questions else [
        PROJECT_ROOT / "tests" / "eval" / name for name in ("questions.jsonl", "voice_dev.jsonl", "formats_dev.jsonl")]
    held_out = [f.name for f in files if "holdout" in f.name]
    if held_out:
        raise BenefitsQAError(f"{', '.join(held_out)} is a held-out set: the ranker must never learn from it.")
    # The features include the hand-set score, so the candidates are scored without a ranker.
    assistant = Assistant(replace(_settings(args), sentence_ranker="off"))
    questions = [q for f in files for q in evaluate.load_questions(f)]
    examples = ranker_examples(questions, lambda text: assistant.score_sentences(assistant.retriever.retrieve(text)))
    ranker = train_ranker(examples, trained_on=tuple(f.name for f in files))
    positives = sum(e.holds_answer for e in examples)
    print(f"Trained on {len(examples)} sentences of {len(questions)} questions ({positives} hold a key fact).")
    print("Weights (standardised features): " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(ranker.features, ranker.coef)))
    out = Path(args.out or _settings(args).sentence_ranker or DEFAULT_RANKER)
    if args.dry_run:
        print("(not written: --dry-run)")
        return 0
    ranker.save(out)
    print(f"Written to {out}")
    return 0


def cmd_calibrate(args) -> int:
    from rag import evaluate
    from rag.answer import Assistant
    from core.config import PROJECT_ROOT

    path = Path(args.questions or PROJECT_ROOT / "tests" / "eval" / "calibration.jsonl")
    questions = evaluate.load_questions(path)
    outcomes = evaluate.run(Assistant(_settings(args)), questions)
    rule = evaluate.fit_abstention([o.semantic_evidence for o in outcomes],
                                   [o.lexical_evidence for o in outcomes],
                                   [o.question.answerable for o in outcomes])
    threshold, weight = rule.threshold, rule.lexical_weight
    result = {"questions": len(questions), "threshold": threshold, "lexical_weight": weight}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Suggested abstention rule from {len(questions)} questions in {path}:")
        print(f"  BENEFITS_QA_ABSTAIN_THRESHOLD={threshold}")
        print(f"  BENEFITS_QA_ABSTAIN_LEXICAL_WEIGHT={weight}")
    return 0


def cmd_feedback(args) -> int:
    from dataclasses import asdict

    from rag.feedback import feedback_path, summarize

    settings = _settings(args)
    summary = summarize(settings)
    if args.json:
        print(json.dumps(asdict(summary), indent=2, ensure_ascii=False))
        return 0
    if not summary.total_votes and not summary.abstentions:
        print(f"No feedback yet in {feedback_path(settings)}.")
        return 0
    print(f"Feedback in {feedback_path(settings)}: {summary.total_votes} votes "
          f"({summary.up} up, {summary.down} down), {summary.abstentions} abstentions")
    print(f"\n  {'topic':<20} {'up':>5} {'down':>5} {'abstained':>10}")
    for topic, c in summary.by_topic.items():
        print(f"  {topic:<20} {c.up:>5} {c.down:>5} {c.abstained:>10}")
    if summary.by_document:
        width = max(len("document"), *(len(name) for name in summary.by_document))
        print(f"\n  {'document':<{width}} {'up':>5} {'down':>5}")
        for name, c in summary.by_document.items():
            print(f"  {name:<{width}} {c.up:>5} {c.down:>5}")
    if summary.gaps:
        print("\nGaps (abstentions and thumbs-down), largest first:")
        for gap in summary.gaps:
            print(f"  {gap.topic}: {gap.abstentions} abstentions, {gap.thumbs_down} thumbs-down")
            for question in gap.questions:
                print(f"    asked: {question}")
            for comment in gap.comments:
                print(f"    comment: {comment}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="benefits-qa", description=(
        "Answers benefits and HR-process questions from your employer's policy documents, with citations."))
    sub = parser.add_subparsers(dest="command", required=True)

    def index_flag(p):
        p.add_argument("--index", metavar="DIR", help="index folder (default: $BENEFITS_QA_INDEX or .index/)")

    p = sub.add_parser("ingest", help="add or update documents (PDF, HTML, Markdown, text) in the index")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files, folders or URLs (default: corpus/)")
    p.add_argument("--sources", action="append", metavar="FILE",
                   help="a file listing URLs or paths, one per line; entries dropped from it are removed")
    index_flag(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="ask one question and print the cited answer")
    p.add_argument("question")
    index_flag(p)
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--groups", metavar="G1,G2",
                   help="answer as a member of these groups (comma-separated): documents that .audiences.toml "
                        "limits to other groups are not searched (default: none, as an anonymous employee)")
    situation = p.add_argument_group("my situation", "answer for this employee: the rule for their case is quoted, "
                                     "and the answer says whose case it is")
    situation.add_argument("--employment", choices=("full-time", "part-time"))
    situation.add_argument("--state", metavar="XX", help="two-letter US state code of the state they work in")
    situation.add_argument("--years", type=float, metavar="N", help="completed years of service")
    situation.add_argument("--age-40-or-over", dest="age_40_or_over", type=_yes_no, metavar="yes|no")
    situation.add_argument("--plan", metavar="NAME", help="their medical plan, as the documents name it (e.g. PPO)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="grade answers on a question file (hit@k, MRR, key facts, abstention)")
    p.add_argument("--questions", metavar="FILE", help="JSON Lines questions (default: tests/eval/questions.jsonl)")
    p.add_argument("--dialogues", metavar="FILE", help="JSON Lines dialogues (default: tests/eval/dialogues.jsonl)")
    p.add_argument("--safety", action="append", metavar="FILE",
                   help="JSON Lines labelled messages for the safety check, repeatable (default: every set in tests/eval; "
                        "a file named *holdout* or *blind* is reported as held out)")
    index_flag(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train-safety", help="refit the safety classifier from labelled messages and freeze its thresholds")
    p.add_argument("--data", action="append", metavar="FILE",
                   help="JSON Lines {id, text, label}, repeatable (default: the development sets and prompts/safety_examples.jsonl)")
    p.add_argument("--out", metavar="FILE", help="where to write the model (default: $BENEFITS_QA_SAFETY_MODEL or the shipped one)")
    p.add_argument("--max-false-alarm", type=float, default=0.01,
                   help="share of ordinary and distress messages that may get the crisis or the concern texts, "
                        "together, on the messages kept apart (default 0.01)")
    p.add_argument("--dry-run", action="store_true", help="train and report, write nothing")
    p.add_argument("--regressions-only", action="store_true",
                   help="skip fine-tuning the encoder (seconds instead of minutes; it catches less, README, Safety)")
    p.add_argument("--epochs", type=int, default=FineTuning.epochs, help=f"encoder training epochs (default {FineTuning.epochs})")
    p.set_defaults(func=cmd_train_safety)

    p = sub.add_parser("train-ranker", help="refit the lead-sentence ranker on development questions")
    p.add_argument("--questions", action="append", metavar="FILE",
                   help="JSON Lines questions with must_include (and key_sentence), repeatable "
                        "(default: tests/eval/questions.jsonl and voice_dev.jsonl)")
    p.add_argument("--out", metavar="FILE", help="where to write it (default: $BENEFITS_QA_SENTENCE_RANKER or the shipped one)")
    p.add_argument("--dry-run", action="store_true", help="train and report, write nothing")
    index_flag(p)
    p.set_defaults(func=cmd_train_ranker)

    p = sub.add_parser("calibrate", help="suggest the abstention threshold from a question file")
    p.add_argument("--questions", metavar="FILE", help="JSON Lines questions (default: tests/eval/calibration.jsonl)")
    index_flag(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("serve", help="serve the HTTP API (POST /v1/ask, GET /healthz, docs at /docs)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; another needs BENEFITS_QA_API_KEYS)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    index_flag(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("status", help="list the documents that are live in the index")
    index_flag(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("feedback", help="summarise the thumbs up/down employees gave answers, and the gaps")
    index_flag(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_feedback)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BenefitsQAError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
