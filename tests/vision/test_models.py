"""vision.models: the model files are found in their wheels, or the error says how to install them."""

from __future__ import annotations

import pytest

from garita.vision.errors import VisionError
from garita.vision.models import DET_FILE, DET_PACKAGE, INSTALL_HINT, REC_FILE, REC_PACKAGE, wheel_model


def test_a_missing_model_package_names_the_install_command() -> None:
    with pytest.raises(VisionError, match="'no_such_model_wheel' missing") as caught:
        wheel_model("no_such_model_wheel", REC_FILE)
    assert INSTALL_HINT in str(caught.value)


def test_a_wrong_version_of_the_package_is_named() -> None:
    with pytest.raises(VisionError, match="wrong version of 'vision'"):
        wheel_model("vision", "no-such-model.onnx")  # any installed package without that file


def test_the_installed_wheels_hold_both_models() -> None:
    for package, name in ((DET_PACKAGE, DET_FILE), (REC_PACKAGE, REC_FILE)):
        path = wheel_model(package, name)
        assert path.name == name and path.stat().st_size > 1_000_000
