"""Export a checkpoint to ONNX (float) and quantise it to int8 (QDQ, per-channel), measuring both.

    python -m garita.vision.training.export .train/base/best.pt --out .train/base/onnx
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
import torch

from garita.vision.plate_line import HEIGHT, WIDTH, greedy_decode, softmax, to_tensor
from garita.vision.training.data import Sample, synthetic
from garita.vision.training.line_net import PlateLineNet


def to_onnx(checkpoint: Path, target: Path) -> PlateLineNet:
    """The checkpoint's network written as ONNX with a dynamic batch; returns the network."""
    state = torch.load(checkpoint, weights_only=False)
    model = PlateLineNet(state["args"].get("width", 1))
    model.load_state_dict(state["model"])
    model.eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 1, HEIGHT, WIDTH), str(target), dynamo=False, opset_version=17,
                      input_names=["line"], output_names=["logits"],
                      dynamic_axes={"line": {0: "batch"}, "logits": {0: "batch"}})
    return model


class _Calibration:
    """Rendered plates as ORT's calibration reader (activation ranges for int8)."""

    def __init__(self, samples: list[Sample], batch: int = 16) -> None:
        self.batches = [to_tensor([s[0] for s in samples[i : i + batch]]) for i in range(0, len(samples), batch)]

    def get_next(self) -> dict[str, np.ndarray] | None:
        return {"line": self.batches.pop()} if self.batches else None


def quantise(source: Path, target: Path, calibration: list[Sample]) -> None:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = target.with_suffix(".pre.onnx")
    quant_pre_process(str(source), str(prepared))
    quantize_static(str(prepared), str(target), _Calibration(calibration), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=CalibrationMethod.Percentile,
                    extra_options={"CalibPercentile": 99.99})
    prepared.unlink()


def onnx_exact(path: Path, samples: list[Sample]) -> float:
    """Exact greedy readings of samples with an ONNX file."""
    from garita.vision.models import open_session

    session = open_session(path, 1)
    right = 0
    for i in range(0, len(samples), 64):
        chunk = samples[i : i + 64]
        logits = session.run(None, {"line": to_tensor([s[0] for s in chunk])})[0]
        right += sum(greedy_decode(softmax(lg)).text == s[1] for lg, s in zip(logits, chunk, strict=True))
    return right / max(1, len(samples))


def export(checkpoint: Path, out: Path, calibration: int = 256, check: list[Sample] | None = None) -> dict:
    """Float and int8 ONNX files under `out`, with their exact rates on `check` (rendered plates by default)."""
    rng = random.Random(777)
    float_path, int8_path = out / "plate_line.onnx", out / "plate_line_int8.onnx"
    to_onnx(checkpoint, float_path)
    quantise(float_path, int8_path, [synthetic(rng) for _ in range(calibration)])
    if check is None:
        check_rng = random.Random(4242)
        check = [synthetic(check_rng) for _ in range(400)]
    figures = {"float_exact": onnx_exact(float_path, check), "int8_exact": onnx_exact(int8_path, check),
               "float_bytes": float_path.stat().st_size, "int8_bytes": int8_path.stat().st_size}
    (out / "export.json").write_text(json.dumps(figures, indent=1))
    return figures


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--calibration", type=int, default=256)
    args = p.parse_args(argv)
    print(json.dumps(export(args.checkpoint, args.out, args.calibration), indent=1))


if __name__ == "__main__":
    main()
