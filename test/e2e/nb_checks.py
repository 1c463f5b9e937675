"""Shared by the notebook pipeline tests' Python checks (test_*_notebook.sh): a counter of failed
checks, and the error outputs of an executed notebook."""
import nbformat


class Checks:
    """check(cond, what) prints ok/FAIL lines; bad counts the failures."""

    def __init__(self):
        self.bad = 0

    def __call__(self, cond, what):
        print(("  ok: " if cond else "  FAIL: ") + what)
        self.bad += 0 if cond else 1


def notebook_errors(path):
    """The error outputs of the executed notebook at path."""
    nb = nbformat.read(path, 4)
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
