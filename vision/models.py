"""Find the ONNX files that ship inside this package and open onnxruntime sessions once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from garita.vision.errors import VisionError

# Two PaddleOCR networks (Apache-2.0), byte for byte as PyPI's RapidOCR wheels ship them; they live in
# model_files/ so that the garita wheel alone reads plates (vision/README.md, Models).
# PP-OCRv4 detector, from rapidocr-onnxruntime 1.4.4: the plate detector below is derived from it, and it
# finds container codes better than PP-OCRv6's (60% of container images against 92%, measured).
DET_FILE = "ch_PP-OCRv4_det_infer.onnx"
# PP-OCRv6 small recogniser, from rapidocr 3.10.0. Measured against PP-OCRv4's on the US development
# photos: 88.9% exact plates against 81.8% in the same pipeline; the hand-labelled plate boxes (padded 8%
# across, 12% down, read alone, best text, no grammar) 61/99 right against 33/99.
REC_FILE = "PP-OCRv6_rec_small.onnx"
# Ours: DET_FILE quantised to int8 for the plate reader (python -m garita.vision.quantize_detector).
PLATE_DET_FILE = "ppocrv4_det_int8.onnx"
# Ours: the plate detector, whole plates at 640 px (python -m garita.vision.training.train_detector, then --export).
PLATE_FINDER_FILE = "plate_finder.onnx"
# The upstream files as their wheels carry them: a copy that differs is not the network we measured.
UPSTREAM_SHA256 = {
    DET_FILE: "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    REC_FILE: "6f327246b50388f3c176ae304bd95767ea6dc0c9ae92153ef8cbe210b3c14884",
}
SHIPPED = (DET_FILE, REC_FILE, PLATE_DET_FILE, PLATE_FINDER_FILE)


def bundled_dir() -> Path:
    """The folder of the model files that ship inside this package."""
    return Path(__file__).resolve().parent / "model_files"


def model_path(name: str) -> Path:
    """Path of one shipped ONNX file, or VisionError naming it (an incomplete install)."""
    path = bundled_dir() / name
    if not path.is_file() or path.stat().st_size == 0:
        raise VisionError(f"model file {path} is missing or empty: reinstall garita (vision/README.md, Models)")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_session(path: Path, threads: int) -> ort.InferenceSession:
    """Open one CPU session with explicit thread counts (the lane box has few cores)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # Memory patterns pre-plan one buffer per input shape, and every frame/crop width is a new shape: measured,
    # turning them off cuts peak RSS by ~150 MB. (Turning the arena off instead of them made RSS worse.)
    options.enable_mem_pattern = False
    # With memory patterns off, ORT's own arena still keeps the peak of every shape it saw; with it off too,
    # freed activations go back to malloc: measured over 60 US frames (plate detector on), peak RSS 364 -> 313 MB
    # at the same speed (4.05 s against 4.02 s).
    options.enable_cpu_mem_arena = False
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Idle workers spin for a while after each run by default. With two sessions on two cores, the detector's
    # spinning workers stole the cores from the recogniser that runs right after it: measured, recognition of
    # 3 plate lines took 67-88 ms after a detection and 42 ms alone; without spinning, 45-47 ms.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def rec_charset(session: ort.InferenceSession) -> list[str]:
    """Return the CTC label list: blank, the dictionary embedded in the model metadata, then space."""
    meta = session.get_modelmeta().custom_metadata_map
    if "character" not in meta:
        raise VisionError("recognition model carries no 'character' dictionary")
    return ["<blank>", *meta["character"].splitlines(), " "]


@dataclass(frozen=True)
class OcrSessions:
    """The sessions a reader needs, loaded once and shared (onnxruntime's run() is thread-safe)."""

    det: ort.InferenceSession  # float detector: container codes (small print suffers under int8)
    rec: ort.InferenceSession
    charset: tuple[str, ...]
    plate_det: ort.InferenceSession  # int8 detector: plates, faster at the same accuracy (vision/README.md, Models)
    plate_finder: ort.InferenceSession | None = None  # finds whole plates; None: every frame is searched whole


def load_sessions(threads: int = 2, finder: bool = True) -> OcrSessions:
    """Load detector and recogniser sessions from the installed and bundled model files.

    finder=False leaves our plate detector out: the previous pipeline, which searches every frame whole
    (the baseline of `garita bench vision`)."""
    # Every file is found before any session opens: a missing one fails at once, not after 21 MB are loaded.
    rec_file, det_file, plate_det_file = model_path(REC_FILE), model_path(DET_FILE), model_path(PLATE_DET_FILE)
    finder_file = model_path(PLATE_FINDER_FILE) if finder else None
    rec = open_session(rec_file, threads)
    return OcrSessions(
        det=open_session(det_file, threads),
        rec=rec,
        charset=tuple(rec_charset(rec)),
        plate_det=open_session(plate_det_file, threads),
        plate_finder=open_session(finder_file, threads) if finder_file else None,
    )
