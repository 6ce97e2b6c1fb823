"""Fail when the lock files no longer satisfy pyproject.toml, so a range edited without `make lock`
cannot slip through CI: every declared requirement has a pin inside its range, and the runtime lock
pins exactly what the development lock pins for the same packages (one set, not two)."""

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#") and "==" in line:
            package, version = line.split(" ")[0].split("==")
            found[canonicalize_name(package.split("[")[0])] = version
    return found


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    problems = []
    for lock_name, lock, declared in (
        ("requirements.txt", runtime, project["dependencies"]),
        (
            "requirements-dev.txt",
            dev,
            project["dependencies"] + project["optional-dependencies"]["dev"],
        ),
    ):
        for text in declared:
            requirement = Requirement(text)
            version = lock.get(canonicalize_name(requirement.name))
            if version is None:
                problems.append(f"{lock_name}: {requirement.name} is declared but not locked")
            elif not requirement.specifier.contains(version, prereleases=True):
                problems.append(
                    f"{lock_name}: {requirement.name}=={version} is outside {requirement.specifier}"
                )
    for package, version in runtime.items():
        if dev.get(package) != version:
            problems.append(
                f"{package}: requirements.txt has {version}, requirements-dev.txt {dev.get(package)}"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Run `make lock` and commit the lock files with pyproject.toml.", file=sys.stderr)
        return 1
    print(
        f"lock files satisfy pyproject.toml ({len(runtime)} runtime, {len(dev)} development pins)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
