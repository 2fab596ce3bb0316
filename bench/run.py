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
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("jsonschema", "pydantic", "gx-pandas", "floor", "polars", "fast", "spark")
#: Methods run ``--repeat`` times (median reported); the slow baselines run ``--slow-repeat``.
QUICK = {"floor", "polars", "fast"}
LABELS = {
    "jsonschema": "jsonschema, per record (assertion.schema.json)",
    "pydantic": "pydantic Assertion, per record",
    "gx-pandas": "Great Expectations suites, pandas",
    "floor": "read floor: the needed columns of every table (pyarrow)",
    "polars": "Polars peer, same checks (bench/polars_peer.py)",
    "fast": "fastcheck (pyarrow + numpy + polars, streamed, 2 threads)",
    "spark": "sparkcheck, every row-level check as Spark jobs, local[2] (CPU, memory: + JVM)",
}


def _rows(parquet: Path) -> Any:
    """The assertion rows as the model and its JSON Schema describe them: the published
    table's flat ``cited_*`` columns, which the model holds as ``cited_references``
    objects, are left out (as the record path does), or every row would fail on them."""
    import pyarrow.parquet as pq

    from evidence_kit.model.records import Assertion

    path = parquet / "assertions.parquet"
    columns = [c for c in pq.read_schema(path).names if c in Assertion.model_fields]
    for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536, columns=columns):
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
    """The column-wise engine over every table, texts included."""
    from evidence_kit.checks.fastcheck import check_published

    return len(check_published(parquet))


def run_spark(parquet: Path) -> int:
    """Every row-level check as Spark jobs (the session is started before the clock)."""
    from evidence_kit.checks.sparkcheck import check_published, spark_session

    return len(check_published(parquet, spark_session()))


def run_polars(parquet: Path) -> int:
    """The Polars peer: the same checks, one lazy scan per table."""
    import polars_peer

    return len(polars_peer.check(parquet))


def run_floor(parquet: Path) -> int:
    """Just read the columns the fast path needs, table by table (multi-threaded)."""
    import pyarrow.parquet as pq

    from evidence_kit.checks.fastcheck import NEEDED
    from evidence_kit.model.tables import TABLES

    rows = 0
    for name, table in TABLES.items():
        path = parquet / table.file_name
        columns = [c for c in pq.read_schema(path).names if c in NEEDED.get(name, ())]
        rows += pq.read_table(path, columns=columns).num_rows
    return 0


RUNNERS = {
    "jsonschema": run_jsonschema,
    "pydantic": run_pydantic,
    "gx-pandas": run_gx,
    "floor": run_floor,
    "polars": run_polars,
    "fast": run_fast,
    "spark": run_spark,
}


def verify_peer(parquet: Path) -> dict[str, Any]:
    """Do the Polars peer and the fast path find the same defects (file, row, code)?"""
    import polars_peer

    peer, fast = polars_peer.check(parquet), polars_peer.fast_path_found(parquet)
    return {"same": peer == fast, "peer_only": len(peer - fast), "fast_only": len(fast - peer)}


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


def _children() -> list[Path]:
    """``/proc/<pid>`` of this process's live children (the Spark JVM, for spark)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid():
            found.append(stat.parent)
    return found


def children_cpu() -> float:
    """User + system CPU seconds of this process's live children so far."""
    total = 0.0
    for proc in _children():
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children_peak_memory() -> int:
    """Peak resident memory (``VmHWM``) of this process's live children, in bytes."""
    total = 0
    for proc in _children():
        for line in (proc / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
    return total


def child(method: str, parquet: Path) -> None:
    """Run one method in this process; print seconds, CPU seconds, peak memory and findings.

    Imports happen before the clock starts: the figures are validation time, not start-up.
    """
    if method == "verify":
        print(json.dumps(verify_peer(parquet)))
        return
    import jsonschema  # noqa: F401

    # pyarrow imports pandas (when installed) the first time it converts a Python object
    # (pa.array, pa.scalar); import it here, before the clock, for every method alike
    import pandas  # noqa: F401
    import polars  # noqa: F401
    import polars_peer  # noqa: F401

    import evidence_kit.checks.fastcheck
    import evidence_kit.model.records

    if method == "gx-pandas":
        import great_expectations  # noqa: F401

        import evidence_kit.checks.expectations
        import evidence_kit.checks.published
    if method == "spark":  # start the local[2] session before the clock, as imports
        from evidence_kit.checks.sparkcheck import spark_session

        spark_session().range(1).count()
    del evidence_kit
    usage = resource.getrusage(resource.RUSAGE_SELF)
    jvm_before = children_cpu()
    began = time.perf_counter()
    found = RUNNERS[method](parquet)
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
    cpu += children_cpu() - jvm_before  # the Spark JVM's, for spark (0 for the others)
    peak = peak_memory() + children_peak_memory()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_bytes": peak, "findings": found}))


def measure_once(method: str, parquet: Path) -> dict[str, Any]:
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


def measure(method: str, parquet: Path, repeat: int) -> dict[str, Any]:
    """The run with the median wall time of ``repeat`` runs (each in a fresh process)."""
    runs = [measure_once(method, parquet) for _ in range(repeat)]
    good = sorted((r for r in runs if "error" not in r), key=lambda r: r["seconds"])
    if not good:
        return runs[0]
    median = dict(good[len(good) // 2])
    median["runs"] = len(good)
    median["all_seconds"] = [round(r["seconds"], 2) for r in runs if "error" not in r]
    median["load"] = round(os.getloadavg()[0], 2)
    return median


#: How the benchmark's data is generated (seeded defects of every kind, the vocabulary
#: tables' and list elements' among them).
SYNTH_OPTIONS: dict[str, Any] = {"seed": 1, "corrupt": 0.001, "vocabulary_defects": True}


def contract_stamp() -> str:
    """A digest of the published tables' Arrow schemas, the generator's code and options:
    data generated under another contract (or by another generator) is made again."""
    import hashlib

    import evidence_kit.synth
    from evidence_kit.model.tables import TABLES

    digest = hashlib.sha256()
    for name, published in sorted(TABLES.items()):
        digest.update(f"{name}:{published.schema}".encode())
    for module in sorted(Path(evidence_kit.synth.__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    digest.update(repr(sorted(SYNTH_OPTIONS.items())).encode())
    return digest.hexdigest()[:16]


def dataset(work: Path, n: int) -> Path:
    import shutil

    from evidence_kit.synth import synthesize

    out = work / f"synth-{n}"
    stamp = out / "contract.stamp"
    wanted = contract_stamp()
    if not stamp.is_file() or stamp.read_text() != wanted:
        shutil.rmtree(out, ignore_errors=True)
        began = time.perf_counter()
        summary = synthesize(ROOT / "dataset", out, n, **SYNTH_OPTIONS)
        stamp.write_text(wanted)
        print(f"generated {n:,} assertions in {time.perf_counter() - began:.1f} s: {summary}")
    return out / "parquet"


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| assertions | method | runs | wall s | CPU s | records/s | peak memory | findings "
        "| fast vs it | it vs floor | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by = {(r["n"], r["method"]): r.get("seconds") for r in results}
    for r in results:
        if "error" in r:
            lines.append(
                f"| {r['n']:,} | {LABELS[r['method']]} | error: {r['error']} | | | | | | | | |"
            )
            continue
        fast, floor = by.get((r["n"], "fast")), by.get((r["n"], "floor"))
        versus = f"{r['seconds'] / fast:.1f}x" if fast and r["method"] != "fast" else "-"
        over = f"{r['seconds'] / floor:.1f}x" if floor and r["method"] != "floor" else "-"
        lines.append(
            f"| {r['n']:,} | {LABELS[r['method']]} | {r.get('runs', 1)} | {r['seconds']:.2f} | "
            f"{r['cpu']:.2f} | {r['n'] / r['seconds']:,.0f} | {r['peak_bytes'] / 2**20:,.0f} MiB "
            f"| {r['findings']:,} | {versus} | {over} | {r.get('load', '')} |"
        )
    sizes = sorted({r["n"] for r in results})
    for n in sizes:
        fast, pyd, gx = by.get((n, "fast")), by.get((n, "pydantic")), by.get((n, "gx-pandas"))
        if fast and pyd and gx:
            lines.append(f"\n{n:,}: fast path vs pydantic + GX pandas: {(pyd + gx) / fast:.1f}x")
    fast_sizes = [n for n in sizes if by.get((n, "fast"))]
    for small, big in itertools.pairwise(fast_sizes):
        ratio = by[(big, "fast")] / by[(small, "fast")]  # type: ignore[operator]
        lines.append(f"\nfast path, {big:,} / {small:,} wall time: {ratio:.1f}")
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
    parser.add_argument("--fast-methods", nargs="*", default=["floor", "polars", "fast"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of floor, polars, fast")
    parser.add_argument("--slow-repeat", type=int, default=1, help="runs of the baselines")
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
    plan += [(n, m) for n in args.fast_sizes for m in args.fast_methods]
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    for n, method in plan:
        parquet = dataset(args.work, n)
        repeat = args.repeat if method in QUICK else args.slow_repeat
        result = {"n": n, "method": method, **measure(method, parquet, repeat)}
        print(json.dumps(result), flush=True)
        results.append(result)
        if method == "polars":
            check = measure_once("verify", parquet)
            notes.append(f"{n:,}: Polars peer and fast path find the same defects: {check}")
        if method == "fast" and n == 1_000_000:
            notes.append(read_two_columns(parquet))
    print(f"\nload average at the end: {os.getloadavg()}")
    print(table(results))
    for note in notes:
        print(note)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    main()
