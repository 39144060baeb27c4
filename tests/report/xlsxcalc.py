"""xlsxcalc.py - recomputes the formulas tbm-report writes into its workbook
(IF, ROUND, MIN, SUM, + - * /, comparisons, & and cell references across
sheets), read with openpyxl, so that a test can change a cell as a person
would and see what 总分 and 等级 become, without LibreOffice.
"""
import decimal
import re

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

_REF = r"(?:'([^']+)'!)?\$?([A-Z]{1,3})\$?([0-9]+)"
_REFS = re.compile(_REF + r"(?::\$?([A-Z]{1,3})\$?([0-9]+))?")
_FUNCS = {"IF": "_if", "ROUND": "_round", "MIN": "_min", "SUM": "_sum"}


def _flat(args):
    for a in args:
        if isinstance(a, list):
            yield from _flat(a)
        elif a is not None and not isinstance(a, str):
            yield a


class Calc:
    def __init__(self, wb):
        self.wb = wb
        self.override = {}

    def set(self, sheet, ref, value):
        self.override[(sheet, ref)] = value

    def value(self, sheet, ref):
        if (sheet, ref) in self.override:
            return self.override[(sheet, ref)]
        v = self.wb[sheet][ref].value
        if isinstance(v, str) and v.startswith("="):
            return self._eval(sheet, v[1:])
        return v

    def _eval(self, sheet, formula):
        def ref(m):
            s = m.group(1) or sheet
            if m.group(4):
                return "_rng(%r,%r,%r)" % (s, m.group(2) + m.group(3), m.group(4) + m.group(5))
            return "_ref(%r,%r)" % (s, m.group(2) + m.group(3))

        # strings are left alone: the formulas' strings hold no ASCII letters
        parts = re.split(r'("[^"]*")', formula)
        out = []
        for i, p in enumerate(parts):
            if i % 2:
                out.append(p)
                continue
            p = re.sub(r"\b(IF|ROUND|MIN|SUM)\(", lambda m: _FUNCS[m.group(1)] + "(", p)
            p = _REFS.sub(ref, p)
            out.append(p.replace("&", "+"))
        env = {
            "_ref": self.value,
            "_rng": self._range,
            "_if": lambda c, a, b=False: a if c else b,
            "_round": lambda x, n: float(decimal.Decimal(repr(x)).quantize(
                decimal.Decimal(1).scaleb(-int(n)), rounding=decimal.ROUND_HALF_UP)),
            "_min": lambda *a: min(_flat(a)),
            "_sum": lambda *a: sum(_flat(a)),
        }
        return eval("".join(out), {"__builtins__": {}}, env)   # noqa: S307 - our own formulas

    def _range(self, sheet, a, b):
        ca, ra = coordinate_from_string(a)
        cb, rb = coordinate_from_string(b)
        out = []
        for row in range(ra, rb + 1):
            for col in range(column_index_from_string(ca), column_index_from_string(cb) + 1):
                ref = self.wb[sheet].cell(row, col).coordinate
                out.append(self.value(sheet, ref))
        return out
