"""Builds keytree's C ABI (the `keytree-ffi` crate) with cargo and ships the
shared library inside the package, so `pip install ./bindings/python` is
all a user runs (a Rust toolchain must be on PATH).

Environment:
- KEYTREE_FFI_PROFILE: cargo profile to build (default `release`; CI uses
  `dev`, whose dependencies are optimised too, to reuse its test build).
- CARGO_TARGET_DIR: honoured as cargo honours it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
WORKSPACE = HERE.parent.parent


def library_name() -> str:
    if sys.platform == "darwin":
        return "libkeytree_ffi.dylib"
    if sys.platform == "win32":
        return "keytree_ffi.dll"
    return "libkeytree_ffi.so"


class BuildWithCargo(build_py):
    def run(self):
        profile = os.environ.get("KEYTREE_FFI_PROFILE", "release")
        manifest = WORKSPACE / "Cargo.toml"
        if not manifest.is_file():
            raise RuntimeError(f"keytree workspace not found at {WORKSPACE}")
        subprocess.run(
            ["cargo", "build", "--locked", "-p", "keytree-ffi", "--profile", profile,
             "--manifest-path", str(manifest)],
            check=True,
        )
        target = Path(os.environ.get("CARGO_TARGET_DIR", WORKSPACE / "target"))
        if not target.is_absolute():
            target = WORKSPACE / target
        out_dir = "debug" if profile == "dev" else profile
        built = target / out_dir / library_name()
        super().run()
        dest = Path(self.build_lib) / "keytree" / library_name()
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, dest)


class BinaryDistribution(Distribution):
    """The wheel holds a native library: mark it platform-specific."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithCargo}, distclass=BinaryDistribution)
