"""What a config's ``_target_`` may name: a model's, a scikit-learn classifier class; a dataset's, one of bench's
sources. The module is checked before anything is imported and the class before anything is built, so that a
config cannot run an arbitrary callable (``builtins.open``, ``shutil.copyfile``) even during the pre-run check.
Classifiers from other packages are allowed by naming their modules: ``allowed_modules=[lightgbm]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MODULES = ("bench", "sklearn")  # the packages whose classes a config may always name


def check(group: str, target: Any, allowed: Sequence[str] = ()) -> type:
    """The class ``target`` names, where a ``group`` config (``model`` or ``dataset``) may name it; otherwise
    ``ValueError`` in one line naming the target."""
    from hydra.utils import get_class

    modules = (*MODULES, *allowed) if group == "model" else ("bench.data",)
    what = "a scikit-learn classifier class" if group == "model" else "a dataset source class"
    name = str(target)
    if not isinstance(target, str) or not any(name == m or name.startswith(m + ".") for m in modules):
        hint = "; allow another package's classifiers with allowed_modules=[PACKAGE]" if group == "model" else ""
        raise ValueError(f"{group}._target_={name!r} is not allowed: it must name {what} in {', '.join(modules)}{hint}")
    try:
        found = get_class(name)
    except Exception as exc:
        raise ValueError(f"{group}._target_={name!r} names no class: {type(exc).__name__}") from None
    if not fits(group, found):
        raise ValueError(f"{group}._target_={name!r} is not {what}")
    return found


def fits(group: str, found: type) -> bool:
    if group == "model":
        from sklearn.base import ClassifierMixin

        return isinstance(found, type) and issubclass(found, ClassifierMixin)
    from bench.data import Source

    return isinstance(found, type) and issubclass(found, Source)
