"""Benchmark: validate synthetic published datasets with four methods, in one run.

Usage (from the project root)::

    .venv/bin/python bench/run.py                       # 100k and 1M, fast path also at 10M
    .venv/bin/python bench/run.py --sizes 100000 --fast-sizes 1000000

Each (method, size) runs in its own child process, so its peak memory (``ru_maxrss``) is
its own; records/s count assertions.  Datasets are generated once with
``evidence_kit.synth.synthesize`` (0.1% seeded defects) under ``--work`` and reused.
Not a pass/fail test: it prints a table (Markdown) with the speed-up over the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("jsonschema", "pydantic", "gx-pandas", "fast")
LABELS = {
    "jsonschema": "jsonschema, per record (assertion.schema.json)",
    "pydantic": "pydantic Assertion, per record",
    "gx-pandas": "Great Expectations suites, pandas",
    "fast": "fastcheck (pyarrow + numpy, streamed)",
}


def _rows(parquet: Path) -> Any:
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(parquet / "assertions.parquet").iter_batches(batch_size=65_536):
        yield from batch.to_pylist()


def run_jsonschema(parquet: Path) -> int:
    """What a user would write: every assertion row against the published JSON Schema."""
    import jsonschema

    schema = json.loads((ROOT / "schema" / "assertion.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = 0
    for row in _rows(parquet):
        errors += sum(1 for _ in validator.iter_errors(row))
    return errors


def run_pydantic(parquet: Path) -> int:
    """Every assertion row through the pydantic model, one object per row."""
    from pydantic import ValidationError

    from evidence_kit.model.records import Assertion

    errors = 0
    for row in _rows(parquet):
        try:
            Assertion.model_validate(row)
        except ValidationError as exc:
            errors += exc.error_count()
    return errors


def run_gx(parquet: Path) -> int:
    """The Great Expectations suites of evidence_kit.checks.expectations on every table, pandas."""
    from evidence_kit.checks.expectations import run_suites
    from evidence_kit.checks.published import run_parameters
    from evidence_kit.model.suites import load_suites
    from evidence_kit.model.tables import TABLES

    present = {
        name: parquet / t.file_name
        for name, t in TABLES.items()
        if (parquet / t.file_name).is_file()
    }
    suites = load_suites()
    parameters = run_parameters(parquet.parent, present, suites)
    run = run_suites(parquet, {n: s for n, s in suites.items() if n in present}, parameters)
    return len(run.findings)


def run_fast(parquet: Path) -> int:
    """The column-wise engine over all four tables, texts included."""
    from evidence_kit.checks.fastcheck import check_published

    return len(check_published(parquet))


RUNNERS = {
    "jsonschema": run_jsonschema,
    "pydantic": run_pydantic,
    "gx-pandas": run_gx,
    "fast": run_fast,
}


def peak_memory() -> int:
    """Peak resident memory of this process in bytes.

    ``VmHWM`` belongs to the process image, so unlike ``ru_maxrss`` (which Linux carries
    over ``execve``) it does not include the parent's peak.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child(method: str, parquet: Path) -> None:
    """Run one method in this process; print seconds, peak memory and findings as JSON.

    Imports happen before the clock starts: the figures are validation time, not start-up.
    """
    import jsonschema  # noqa: F401

    import evidence_kit.checks.fastcheck
    import evidence_kit.model.records

    if method == "gx-pandas":
        import great_expectations  # noqa: F401

        import evidence_kit.checks.expectations
        import evidence_kit.checks.published
    del evidence_kit
    began = time.perf_counter()
    found = RUNNERS[method](parquet)
    seconds = time.perf_counter() - began
    peak = peak_memory()
    print(json.dumps({"seconds": seconds, "peak_bytes": peak, "findings": found}))


def measure(method: str, parquet: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, str(parquet)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def dataset(work: Path, n: int) -> Path:
    from evidence_kit.synth import synthesize

    out = work / f"synth-{n}"
    if not (out / "defects.json").is_file():
        began = time.perf_counter()
        summary = synthesize(ROOT / "dataset", out, n, seed=1, corrupt=0.001)
        print(f"generated {n:,} assertions in {time.perf_counter() - began:.1f} s: {summary}")
    return out / "parquet"


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| assertions | method | seconds | records/s | peak memory | findings | vs jsonschema |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    base = {r["n"]: r["seconds"] for r in results if r["method"] == "jsonschema" and "seconds" in r}
    for r in results:
        if "error" in r:
            lines.append(f"| {r['n']:,} | {LABELS[r['method']]} | error: {r['error']} | | | | |")
            continue
        ratio = f"{base[r['n']] / r['seconds']:.1f}x" if r["n"] in base else "-"
        label = LABELS[r["method"]] + (f" ({r['note']})" if "note" in r else "")
        lines.append(
            f"| {r['n']:,} | {label} | {r['seconds']:.2f} | "
            f"{r['n'] / r['seconds']:,.0f} | {r['peak_bytes'] / 2**20:,.0f} MiB | "
            f"{r['findings']:,} | {ratio} |"
        )
    by = {(r["n"], r["method"]): r.get("seconds") for r in results}
    for n in sorted({r["n"] for r in results}):
        fast, pyd, gx = by.get((n, "fast")), by.get((n, "pydantic")), by.get((n, "gx-pandas"))
        if fast and pyd and gx:
            lines.append(f"\n{n:,}: fast path vs pydantic + GX pandas: {(pyd + gx) / fast:.1f}x")
    return "\n".join(lines)


def read_two_columns(parquet: Path) -> str:
    """Time reading 2 columns of evidence.parquet against the whole file (best of 3)."""
    import pyarrow.parquet as pq

    path = parquet / "evidence.parquet"

    def best(columns: list[str] | None) -> float:
        times = []
        for _ in range(3):
            began = time.perf_counter()
            pq.read_table(path, columns=columns)
            times.append(time.perf_counter() - began)
        return min(times)

    whole = best(None)
    two = best(["assertion_id", "extraction_confidence"])
    return (
        f"evidence.parquet, 2 columns vs whole file: {two:.3f} s vs {whole:.3f} s "
        f"({100 * two / whole:.1f}%)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--fast-sizes", type=int, nargs="*", default=[10_000_000])
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS)
    parser.add_argument(
        "--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "ek-bench"
    )
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "PARQUET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    results: list[dict[str, Any]] = []
    notes = []
    plan = [(n, m) for n in args.sizes for m in args.methods]
    plan += [(n, "fast") for n in args.fast_sizes]
    for n, method in plan:
        parquet = dataset(args.work, n)
        result = {"n": n, "method": method, **measure(method, parquet)}
        print(json.dumps(result), flush=True)
        results.append(result)
        if method == "fast" and n == 1_000_000:
            notes.append(read_two_columns(parquet))
    print(f"\nload average at the end: {os.getloadavg()}")
    print(table(results))
    for note in notes:
        print(note)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
