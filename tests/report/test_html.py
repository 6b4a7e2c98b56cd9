"""The HTML reports: self-contained markup, and what a real browser (Debian's chromium) draws.

The browser tests FAIL when chromium is missing (scripts/install-chromium.sh installs it): an
HTML report nobody rendered is not a tested report.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from png_pixels import count_color, decode_png
from report_data import ITEMS, PREDICTIONS

import graderkit as gk
from graderkit.report.compare import compare_summaries, render_comparison
from graderkit.report.html import BUCKET_COLORS, render_report, write_report
from graderkit.report.results_file import ResultRow
from graderkit.report.results_summary import summarize_results, summarize_rows

VOID = {"meta", "br", "hr", "img", "input", "link"}
SVG_LEAVES = {"rect", "line", "text", "title"}


class _Structure(HTMLParser):
    """Collects tags, checks nesting, and records table rows per section."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []
        self.section_rows: dict[str, int] = {}
        self._section: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "section":
            self._section = dict(attrs).get("id") or ""
        if tag == "tr" and self._section is not None:
            self.section_rows[self._section] = self.section_rows.get(self._section, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Structure:
    parser = _Structure()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def report_page(clinical_results: tuple[Path, list[gk.GradeResult]]) -> str:
    summary = summarize_results(clinical_results[0], items=ITEMS, samples=PREDICTIONS)
    return render_report(summary)


def test_the_page_is_self_contained_and_well_nested(report_page: str) -> None:
    parsed = _parse(report_page)
    assert parsed.errors == [] and parsed.stack == []
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "link", "img", "iframe", "object"}
    assert not any(
        k in ("src", "href") or (k or "").startswith("on") for _, a in parsed.tags for k in a
    )
    assert "url(" not in report_page and "@import" not in report_page
    assert report_page.count("<svg") == 3  # histogram, buckets bar, sub-grader bars


def test_every_section_is_there(report_page: str) -> None:
    parsed = _parse(report_page)
    text = " ".join(parsed.text)
    for heading in (
        "Score distribution", "Failure buckets", "Runs", "Sub-graders", "Lowest-scoring examples",
    ):  # fmt: skip
        assert heading in text
    assert parsed.section_rows["lowest"] == 1 + 25  # header + the 25 lowest lines
    assert parsed.section_rows["runs"] == 1 + 3 + 1  # header + runs 0-2 + all runs


def test_user_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    row = ResultRow(
        hostile, 0, 0.0, output_text=hostile, reference=hostile, sub_rewards={hostile: 0.0}
    )
    page = render_report(summarize_rows([row], source=hostile))
    parsed = _parse(page)
    assert not {tag for tag, _ in parsed.tags} & {"script", "img"}
    assert hostile in " ".join(parsed.text)  # shown, as text


def test_errors_and_tokens_sections_appear_when_there_is_something_to_say() -> None:
    usage = {"gpt-4.1": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
    rows = [
        ResultRow("a", 0, 0.0, flags=("model_grader_parse_error",), usage=usage),
        ResultRow("a", 1, 0.0),
    ]
    page = render_report(summarize_rows(rows))
    assert "model_grader_parse_error" in page and "Tokens and cost" in page
    assert "Items at 0 in every run" in page
    plain = render_report(summarize_rows([ResultRow("a", 0, 1.0)]))
    assert "Error flags" not in plain and "Tokens and cost" not in plain


# ---- a real browser ---------------------------------------------------------------------------


def _chromium() -> str:
    found = os.environ.get("GRADERKIT_CHROMIUM") or shutil.which("chromium")
    found = found or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed: run scripts/install-chromium.sh (CI must)")
    return found


def _browse(page: Path, tmp: Path, *mode: str) -> subprocess.CompletedProcess[bytes]:
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}",
        "--window-size=1280,2000", *mode, page.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, timeout=120, cwd=tmp)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory, report_page: str
) -> tuple[Path, np.ndarray[Any, Any], str]:
    tmp = tmp_path_factory.mktemp("browser")
    page = tmp / "report.html"
    page.write_text(report_page, encoding="utf-8")
    _browse(page, tmp, f"--screenshot={tmp / 'report.png'}")
    dom = _browse(page, tmp, "--dump-dom").stdout.decode("utf-8")
    shot = tmp / "report.png"
    return shot, decode_png(shot.read_bytes()), dom


def test_chromium_draws_the_report(rendered: tuple[Path, np.ndarray[Any, Any], str]) -> None:
    shot, pixels, _ = rendered
    assert shot.stat().st_size > 50_000
    assert pixels.shape[:2] == (2000, 1280)
    rgb = pixels[:, :, :3].astype(np.int32)
    colors = np.unique((rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2])
    assert len(colors) > 200  # text, charts and tables, not a blank page
    background = count_color(pixels, "#f5f7fa") + count_color(pixels, "#ffffff")
    assert background < 0.97 * 1280 * 2000  # at least 3% of the page is ink
    # The histogram and the bucket bar really were painted, in the bucket colours.
    for bucket in ("off", "partial", "perfect", "formatting"):
        assert count_color(pixels, BUCKET_COLORS[bucket]) > 500, bucket


def test_chromium_sees_every_heading_and_row(
    rendered: tuple[Path, np.ndarray[Any, Any], str],
    clinical_results: tuple[Path, list[gk.GradeResult]],
) -> None:
    dom = _parse(rendered[2])
    text = " ".join(dom.text)
    for heading in ("Score distribution", "Failure buckets", "Lowest-scoring examples"):
        assert heading in text
    assert dom.section_rows["lowest"] == 26
    results = clinical_results[1]
    worst = min(r.reward for r in results)
    assert f"{worst:.3f}" in text
    assert sum(tag == "rect" for tag, _ in dom.tags) >= 20 + 4  # histogram bars and buckets


def test_chromium_renders_the_comparison(
    tmp_path: Path, clinical_results: tuple[Path, list[gk.GradeResult]]
) -> None:
    base = summarize_results(clinical_results[0], items=ITEMS, samples=PREDICTIONS)
    rows = [ResultRow(i, 0, min(1.0, s.mean + 0.2)) for i, s in base.per_item.items()]
    rows[0] = ResultRow(rows[0].id, 0, 0.0, output_text="worse")
    page = tmp_path / "compare.html"
    page.write_text(render_comparison(compare_summaries(base, summarize_rows(rows))))
    dom = _parse(_browse(page, tmp_path, "--dump-dom").stdout.decode("utf-8"))
    text = " ".join(dom.text)
    for heading in ("Score distributions", "Per-item difference", "Items that got worse"):
        assert heading in text
    assert dom.section_rows["worse"] == 2 and "worse" in text


# ---- the PNG decoder the browser tests rely on ---------------------------------------------


def _encode(pixels: np.ndarray[Any, Any], filters: list[int]) -> bytes:
    """PNG bytes of an RGB image with the given filter per row (the inverse of the decoder)."""
    h, w, bpp = pixels.shape
    flat = pixels.reshape(h, w * bpp).astype(np.int64)
    raw = bytearray()
    for y, kind in enumerate(filters):
        line, prev = flat[y], flat[y - 1] if y else np.zeros(w * bpp, dtype=np.int64)
        left = np.concatenate([np.zeros(bpp, dtype=np.int64), line[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, dtype=np.int64), prev[:-bpp]])
        p = left + prev - upleft
        pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
        paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        predictor = [0, left, prev, (left + prev) // 2, paeth][kind]
        raw += bytes([kind]) + bytes(((line - predictor) % 256).astype(np.uint8))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw)))
        + chunk(b"IEND", b"")
    )


def test_the_png_decoder_inverts_every_filter() -> None:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(10, 9, 3), dtype=np.uint8)
    filters = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]
    assert (decode_png(_encode(pixels, filters)) == pixels).all()


def test_write_report_writes_the_page(tmp_path: Path) -> None:
    summary = summarize_rows([ResultRow("a", 0, 0.5)])
    path = write_report(summary, tmp_path / "r.html")
    assert path.read_text(encoding="utf-8") == render_report(summary)
    assert json.loads(json.dumps(summary.to_dict()))["count"] == 1


def test_a_pass_rule_shows_the_pass_rate_instead_of_perfect() -> None:
    rows = [ResultRow("a", 0, 0.7, passed=True), ResultRow("b", 0, 0.2, passed=False)]
    page = render_report(summarize_rows(rows))
    assert "1 of 2 lines at the pass_threshold" in page
    assert "1 of 2 lines at the pass_threshold" not in render_report(summarize_rows(rows[:0]))
