"""Build the int8 plate detector: PP-OCRv4 det, per-channel static quantisation (run by hand, not at run time).

    pip install onnx   # build time only (also in the `test` extra)
    python -m garita.vision.quantize_detector [--shared ../shared]

Why: on this AVX-512 VNNI machine the int8 detector runs about twice as fast as the float one (0.17-0.23 s ->
about 0.10 s on a 1280 px frame, 2 threads; vision/README.md has the runs) at the same plate accuracy.
The graph is folded first (vision.onnx_fold: affine blocks into convolutions, HardSwish fused), which alone
took the int8 model from 112 to 96 ms.
The container reader keeps the float model, whose small-print boxes lost more to int8. Calibration only sets
activation ranges, from every third Brazilian plate photo and every third container photo at the size the
reader uses (1280 px).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from garita.vision.models import DET_FILE, PLATE_DET_FILE, bundled_dir, model_path
from garita.vision.recognizer import PLATE_FIND
from garita.vision.text_detector import prepare_blob

CALIBRATION_SIDE = PLATE_FIND.max_side  # the size the plate reader detects at


def calibration_images(shared: Path) -> list[Path]:
    """Every third image of the Brazilian plates and of the container photos, in name order."""
    plates = sorted((shared / "datasets" / "plates" / "br").glob("*.jpg"))[::3]
    containers = sorted((shared / "datasets" / "containers").glob("*.jpg"))[::3]
    if not plates or not containers:
        raise SystemExit(f"calibration photos not found under {shared}/datasets")
    return plates + containers


def _blobs(paths: list[Path]) -> Iterator[dict[str, np.ndarray]]:
    for path in paths:
        image = cv2.imread(str(path))
        if image is not None:
            yield {"x": prepare_blob(image, CALIBRATION_SIDE)}


def quantize(shared: Path, out: Path) -> None:
    """Fold to opset 14 (per-channel quantisation needs 13+), pre-process, calibrate, write ``out``."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from garita.vision.onnx_fold import fold_graph

    class Reader(CalibrationDataReader):
        def __init__(self, paths: list[Path]) -> None:
            self.blobs = _blobs(paths)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.blobs, None)

    with tempfile.TemporaryDirectory() as work:
        folded, pre = Path(work) / "det_folded.onnx", Path(work) / "det_pre.onnx"
        onnx.save(fold_graph(onnx.load(str(model_path(DET_FILE))))[0], str(folded))
        quant_pre_process(str(folded), str(pre), skip_symbolic_shape=True)
        quantize_static(
            str(pre),
            str(out),
            Reader(calibration_images(shared)),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--out", type=Path, default=bundled_dir() / PLATE_DET_FILE)
    args = parser.parse_args()
    quantize(args.shared, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
