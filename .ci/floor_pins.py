"""Print pip requirements that pin every dependency of pyproject.toml (and its test extra) to the
lowest version it declares: ``name>=X`` becomes ``name==X``; exact pins stay.  A floor that is no
release (1.10 where the first release is 1.10.1) then fails to install, as it should."""
import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml").read_text())["project"]
requirement = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]+\])?\s*(>=|==)\s*([0-9][0-9A-Za-z.]*)$")
for line in project["dependencies"] + project["optional-dependencies"]["test"]:
    match = requirement.match(line.strip())
    if match is None:
        sys.exit(f"floor_pins: cannot read a floor from {line!r}: declare it as name>=version")
    name, extras, _, version = match.groups()
    print(f"{name}{extras or ''}=={version}")
