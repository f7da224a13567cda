"""Concept Studio model toolchain: SONAR and LCM architectures, conversion, ONNX export, mini-model training."""
