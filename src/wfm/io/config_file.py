"""Load `configs/wfm.yaml` into the validated Config model."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from wfm.config import Config
from wfm.errors import Problem, WfmInputError
from wfm.io.yamlpos import load_yaml, problems_from_validation


def load_config(path: Path) -> Config:
    source = load_yaml(path)
    if not isinstance(source.data, dict):
        raise WfmInputError([Problem(str(path), "expected a mapping of settings at the top level")])
    try:
        return Config.model_validate(source.data)
    except ValidationError as exc:
        raise WfmInputError(problems_from_validation(source, exc)) from None


def project_root(config_path: Path) -> Path:
    """Input paths in the config are relative to the folder holding `configs/`."""
    folder = config_path.parent  # kept relative when given relative, for short messages
    return folder.parent if folder.resolve().name == "configs" else folder
