"""Python checks. `checks/<category>/` mirrors `rules/<category>/`; a category that is a Python keyword gets a
trailing underscore (`async` -> `checks/async_/`). Importing this package registers every module under it,
subpackages included, so a new check module needs no list to join.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.walk_packages(__path__, f"{__name__}.")):
    importlib.import_module(_module)
