"""ONNX files that ship with the vision package (where each comes from: vision/README.md)."""
