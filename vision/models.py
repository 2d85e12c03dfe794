"""Locate the PaddleOCR ONNX files (two model wheels, one file of ours) and open onnxruntime sessions once."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

from garita.vision.errors import VisionError

# The PaddleOCR networks ship inside two PyPI wheels (Apache-2.0); we only read their ONNX files.
# PP-OCRv4 detector, from rapidocr-onnxruntime 1.4.4: the plate detector below is derived from it, and it
# finds container codes better than PP-OCRv6's (60% of container images against 92%, measured).
DET_PACKAGE, DET_FILE = "rapidocr_onnxruntime", "ch_PP-OCRv4_det_infer.onnx"
# PP-OCRv6 small recogniser, from rapidocr 3.10.0. Measured against PP-OCRv4's on the US development
# photos: 88.9% exact plates against 81.8% in the same pipeline; the hand-labelled plate boxes (padded 8%
# across, 12% down, read alone, best text, no grammar) 61/99 right against 33/99.
REC_PACKAGE, REC_FILE = "rapidocr", "PP-OCRv6_rec_small.onnx"
# Ours, in this package: DET_FILE quantised to int8 for the plate reader (python -m garita.vision.quantize_detector).
PLATE_DET_FILE = "ppocrv4_det_int8.onnx"
INSTALL_HINT = "pip install --no-deps rapidocr-onnxruntime==1.4.4 rapidocr==3.10.0"


def bundled_dir() -> Path:
    """The folder of the model files that ship inside this package."""
    return Path(__file__).resolve().parent / "model_files"


def wheel_model(package: str, name: str) -> Path:
    """Path of one ONNX file inside an installed model wheel, or VisionError saying how to install it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise VisionError(f"model package {package!r} missing: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / name
    if not path.is_file():
        raise VisionError(f"ONNX model {path} missing (wrong version of {package!r}?): {INSTALL_HINT}")
    return path


def open_session(path: Path, threads: int) -> ort.InferenceSession:
    """Open one CPU session with explicit thread counts (the lane box has few cores)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    # Memory patterns pre-plan one buffer per input shape, and every frame/crop width is a new shape: measured,
    # turning them off cuts peak RSS by ~150 MB. (Turning the arena off instead made RSS worse: fragmentation.)
    options.enable_mem_pattern = False
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


def load_sessions(threads: int = 2) -> OcrSessions:
    """Load detector and recogniser sessions from the installed and bundled model files."""
    # Every file is found before any session opens: a missing one fails at once, not after 21 MB are loaded.
    rec_file, det_file = wheel_model(REC_PACKAGE, REC_FILE), wheel_model(DET_PACKAGE, DET_FILE)
    plate_det_file = bundled_dir() / PLATE_DET_FILE
    if not plate_det_file.is_file():
        raise VisionError(f"{plate_det_file} missing (rebuild: python -m garita.vision.quantize_detector)")
    rec = open_session(rec_file, threads)
    return OcrSessions(
        det=open_session(det_file, threads),
        rec=rec,
        charset=tuple(rec_charset(rec)),
        plate_det=open_session(plate_det_file, threads),
    )
