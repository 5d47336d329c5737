"""What the Python interop scripts share: the report format the t/ files
read (WellKnown::Test::interop_checks), error descriptions and the spec
file.

    ok LIB CASE - detail
    not ok LIB CASE - what went wrong
    skip LIB CASE - why the library cannot do this at all

A script exits 0 when every check passed, 1 when one failed (Report.status),
2 when it could not run.
"""

import json


def one_line(text):
    return " ".join(str(text).split())


def describe(exc):
    return one_line("%s: %s" % (type(exc).__name__, exc))


class Report:
    def __init__(self):
        self.failed = 0

    def line(self, status, lib, name, detail):
        if status == "not ok":
            self.failed += 1
        print("%s %s %s - %s" % (status, lib, name, one_line(detail)), flush=True)

    def status(self):
        return 1 if self.failed else 0


def load_spec(arg):
    """The spec a t/ file wrote: a file name, or the JSON text itself."""
    if not arg.lstrip().startswith("{"):
        with open(arg, "r", encoding="utf-8") as f:
            arg = f.read()
    return json.loads(arg)
