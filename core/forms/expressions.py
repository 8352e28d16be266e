"""The safe expression language of a form's cross-field rules (REQUIREMENTS F1, F9).

A rule is one expression over field codes, e.g. ``poor_households <= households``,
``sum(by_ethnicity) == total`` or ``(a if a > 0 else 0) <= b``. No Python code is
ever compiled or run: an expression is parsed with :func:`ast.parse` into a syntax
tree, which a strict whitelist walks (this module), and the accepted tree is then
interpreted by the ``simpleeval`` library with our own operators and functions.

Why both. ``simpleeval`` (PyPI, well kept) interprets a tree node by node and
never calls ``eval``/``exec``/``compile``; it is used for evaluation, so a second,
independent safety net (it refuses dunder attributes, modules, ``eval`` and the
like) sits under ours. But it cannot do what a form designer needs at design time:
it only finds a problem when evaluating, only on the branch taken, knows nothing
of field kinds (a disaggregated field is a list of cells, a text field is not a
number) and allows far more than rules need (attributes, subscripts, strings,
``**`` up to 4,000,000). So the language is defined by a whitelist over
:mod:`ast` here: a tree that passes it contains only

* numbers, field codes, and text literals as operands of ``==``/``!=`` only;
* ``+ - * / // %``, unary ``-``/``+``, and ``**`` with a constant exponent of at
  most 10 in size (``9**9**9`` is refused);
* comparisons ``== != < <= > >=``, chained too; ``and``, ``or``, ``not``;
  ``x if test else y``;
* calls of ``abs(x)``, ``round(x)``/``round(x, n)`` (``n`` a whole number -10..10),
  ``min``, ``max``, ``sum`` (numbers and disaggregated fields) and ``count``
  (disaggregated fields only: the number of filled cells).

Anything else (attributes, subscripts, lambdas, comprehensions, lists, f-strings,
``:=``, keyword arguments, other functions, dunder names) is refused with an
English message naming it. With the field kinds (:func:`check`) it also refuses
an unknown name, a disaggregated field used other than as an argument of
sum/min/max/count, and a text field or text literal in arithmetic.

Evaluation follows DHIS2's "skip when a value is missing": :func:`evaluate`
returns None when any referenced field's value is None (or absent), when a
division by zero or an overflow happens, or when min()/max() find no filled
cell. A disaggregated field's value is a list of its cells (None for an empty
cell): sum() counts an empty cell as 0, count() does not count it. Pass a list
(even all None) for such a field: None for the whole field means "missing".
Number comparisons tolerate float rounding (``0.1 + 0.2 == 0.3`` is true;
relative and absolute tolerance 1e-9), so that decimal fields that add up pass.

Parsing and the whitelist run once per expression (:func:`functools.lru_cache`);
evaluating a checked expression only interprets its cached tree.
"""
from __future__ import annotations

import ast
import math
import operator
import threading
from functools import lru_cache
from typing import NamedTuple

import simpleeval

__all__ = ["ExpressionError", "check", "names", "evaluate", "FUNCTIONS", "KINDS"]

#: Functions a rule may call.
FUNCTIONS = ("abs", "round", "min", "max", "sum", "count")
AGGREGATES = ("sum", "min", "max", "count")
#: Kinds of field :func:`check` knows: a number, a disaggregated number (a list of cells), anything else.
KINDS = ("number", "cells", "text")

MAX_LENGTH = 2000
MAX_DEPTH = 60
MAX_EXPONENT = 10
MAX_TEXT = 200
MAX_ROUND_DIGITS = 10
TOLERANCE = 1e-9


class ExpressionError(ValueError):
    """What is wrong with an expression, in English, for the form designer."""


# --- the whitelist -----------------------------------------------------------------------------

_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
               ast.Pow: "**"}
_REFUSED_BINOPS = {ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
                   ast.MatMult: "@"}
_EQUALITY = (ast.Eq, ast.NotEq)
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_REFUSED_COMPARES = {ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not"}
_REFUSED_NODES = {
    ast.Attribute: None,  # message built with the attribute's name
    ast.Subscript: "subscripts ([...]) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "* arguments are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}

# Types the walker gives a sub-expression. "any" stands for a field whose kind is not known
# (the kind-free pass that guards evaluate()); it is compatible with every use.
NUMBER, BOOL, TEXT, LITERAL, CELLS, ANY = "number", "bool", "text", "literal", "cells", "any"
_NUMERIC = {NUMBER, BOOL, ANY}
_TEXTUAL = {TEXT, LITERAL}


class _Walker:
    def __init__(self, kinds: dict[str, str] | None):
        self.kinds = kinds
        self.names: set[str] = set()

    # helpers ------------------------------------------------------------------------------
    @staticmethod
    def _what(node) -> str:
        if isinstance(node, ast.Name):
            return node.id
        text = ast.unparse(node)
        return text if len(text) <= 40 else "an expression"

    def need_number(self, node, kind: str, use: str = "as a number") -> None:
        if kind in _NUMERIC:
            return
        what = self._what(node)
        if kind == CELLS:
            raise ExpressionError(f"disaggregated field {what} used {use}: use sum({what}), min({what}), "
                                  f"max({what}) or count({what})")
        if kind == LITERAL:
            raise ExpressionError(f"text {what} used {use}: text literals are allowed only in == and != comparisons")
        raise ExpressionError(f"text field {what} used {use}")

    def need_truth(self, node, kind: str) -> None:
        if kind == CELLS:
            self.need_number(node, kind, "as a condition")
        if kind == LITERAL:
            self.need_number(node, kind, "as a condition")

    # the walk -----------------------------------------------------------------------------
    def visit(self, node, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise ExpressionError("the expression is nested too deeply")
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is not None:
            return method(node, depth + 1)
        if isinstance(node, ast.Attribute):
            raise ExpressionError(f"attribute access (.{node.attr}) is not allowed")
        message = _REFUSED_NODES.get(type(node))
        raise ExpressionError(message or f"{type(node).__name__} is not allowed")

    def visit_Constant(self, node, depth) -> str:
        value = node.value
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, (int, float)):
            return NUMBER
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ExpressionError(f"text literals are limited to {MAX_TEXT} characters")
            return LITERAL
        raise ExpressionError(f"the constant {value!r} is not allowed")

    def visit_Name(self, node, depth) -> str:
        name = node.id
        if name in FUNCTIONS:
            raise ExpressionError(f"function {name} must be called, as in {name}(...)")
        if name.startswith("__"):
            raise ExpressionError(f"name {name} is not allowed")
        if self.kinds is None:
            self.names.add(name)
            return ANY
        kind = self.kinds.get(name)
        if kind is None:
            raise ExpressionError(f"unknown name {name}")
        if kind not in KINDS:
            raise ValueError(f"kind of {name} must be one of {', '.join(KINDS)}, not {kind!r}")
        self.names.add(name)
        return {"number": NUMBER, "cells": CELLS, "text": TEXT}[kind]

    def visit_BinOp(self, node, depth) -> str:
        symbol = _ARITHMETIC.get(type(node.op))
        if symbol is None:
            raise ExpressionError(f"operator {_REFUSED_BINOPS.get(type(node.op), type(node.op).__name__)} "
                                  "is not allowed")
        if isinstance(node.op, ast.Pow):
            exponent = node.right
            if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, (ast.USub, ast.UAdd)):
                exponent = exponent.operand
            if not (isinstance(exponent, ast.Constant) and type(exponent.value) in (int, float)
                    and abs(exponent.value) <= MAX_EXPONENT):
                raise ExpressionError(f"the exponent of ** must be a number from -{MAX_EXPONENT} to {MAX_EXPONENT}")
        left = self.visit(node.left, depth)
        right = self.visit(node.right, depth)
        self.need_number(node.left, left, f"in arithmetic ({symbol})")
        self.need_number(node.right, right, f"in arithmetic ({symbol})")
        return NUMBER

    def visit_UnaryOp(self, node, depth) -> str:
        kind = self.visit(node.operand, depth)
        if isinstance(node.op, ast.Not):
            self.need_truth(node.operand, kind)
            return BOOL
        if isinstance(node.op, (ast.USub, ast.UAdd)):
            self.need_number(node.operand, kind, "in arithmetic")
            return NUMBER
        raise ExpressionError("operator ~ is not allowed")

    def visit_BoolOp(self, node, depth) -> str:
        for value in node.values:
            self.need_truth(value, self.visit(value, depth))
        return BOOL

    def visit_Compare(self, node, depth) -> str:
        for op in node.ops:
            if type(op) in _REFUSED_COMPARES:
                raise ExpressionError(f"operator {_REFUSED_COMPARES[type(op)]} is not allowed")
        operands = [node.left, *node.comparators]
        kinds = [self.visit(o, depth) for o in operands]
        for i, op in enumerate(node.ops):
            (ln, lk), (rn, rk) = (operands[i], kinds[i]), (operands[i + 1], kinds[i + 1])
            if isinstance(op, _ORDERING) or CELLS in (lk, rk):
                self.need_number(ln, lk, "in a comparison")
                self.need_number(rn, rk, "in a comparison")
            elif (lk in _TEXTUAL and rk == NUMBER) or (lk == NUMBER and rk in _TEXTUAL):
                raise ExpressionError(f"{self._what(ln)} and {self._what(rn)} compare text with a number")
        return BOOL

    def visit_IfExp(self, node, depth) -> str:
        self.need_truth(node.test, self.visit(node.test, depth))
        body, orelse = self.visit(node.body, depth), self.visit(node.orelse, depth)
        for sub, kind in ((node.body, body), (node.orelse, orelse)):
            if kind == CELLS:
                self.need_number(sub, kind, "in if/else")
        if (body in _TEXTUAL and orelse == NUMBER) or (body == NUMBER and orelse in _TEXTUAL):
            raise ExpressionError("the two branches of if/else must both be numbers or both be text")
        if body == orelse:
            return body
        if ANY in (body, orelse):
            return ANY
        return NUMBER if body in _NUMERIC and orelse in _NUMERIC else TEXT

    def visit_Call(self, node, depth) -> str:
        func = node.func
        if isinstance(func, ast.Attribute):
            raise ExpressionError(f"attribute access (.{func.attr}) is not allowed")
        if isinstance(func, ast.Lambda):
            raise ExpressionError("lambda is not allowed")
        if not isinstance(func, ast.Name):
            raise ExpressionError("only the functions " + ", ".join(FUNCTIONS) + " can be called")
        name = func.id
        if name not in FUNCTIONS:
            if self.kinds is not None and name in self.kinds:
                raise ExpressionError(f"{name} is a field, not a function")
            raise ExpressionError(f"function {name} is not allowed (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise ExpressionError(f"{name}() takes no keyword arguments")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError("* arguments are not allowed")
        args = node.args
        if name == "abs" and len(args) != 1:
            raise ExpressionError("abs() takes one argument")
        if name == "round":
            if not 1 <= len(args) <= 2:
                raise ExpressionError("round() takes one or two arguments")
            if len(args) == 2:
                digits = args[1]
                if isinstance(digits, ast.UnaryOp) and isinstance(digits.op, ast.USub):
                    digits = digits.operand
                if not (isinstance(digits, ast.Constant) and type(digits.value) is int
                        and abs(digits.value) <= MAX_ROUND_DIGITS):
                    raise ExpressionError(f"round(x, n) needs n a whole number from -{MAX_ROUND_DIGITS} "
                                          f"to {MAX_ROUND_DIGITS}")
                args = args[:1]
        if name in AGGREGATES and not args:
            raise ExpressionError(f"{name}() needs at least one argument")
        for arg in args:
            kind = self.visit(arg, depth)
            if name == "count":
                if kind != CELLS and not (kind == ANY and isinstance(arg, ast.Name)):
                    raise ExpressionError(f"count() takes disaggregated fields only, not {self._what(arg)}")
            elif name in AGGREGATES and kind == CELLS:
                continue
            else:
                self.need_number(arg, kind, f"in {name}()")
        return NUMBER


class _Parsed(NamedTuple):
    tree: ast.expr
    names: frozenset[str]


def _syntax_tree(expression: str) -> ast.Expression:
    if not isinstance(expression, str):
        raise ExpressionError("the expression must be text")
    if not expression.strip():
        raise ExpressionError("the expression is empty")
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    source = expression.strip()
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as exc:
        lines = source.split("\n")
        lineno = min(max(exc.lineno or 1, 1), len(lines))
        position = sum(len(line) + 1 for line in lines[:lineno - 1]) + (exc.offset or 1)
        position += len(expression) - len(expression.lstrip())
        raise ExpressionError(f"syntax error at position {position}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"the expression cannot be read: {exc}") from None


def _top(walker: _Walker, tree: ast.Expression) -> None:
    kind = walker.visit(tree.body)
    walker.need_truth(tree.body, kind)


@lru_cache(maxsize=4096)
def _parse(expression: str) -> _Parsed:
    """The syntax tree and field codes of an expression that passes the kind-free whitelist."""
    tree = _syntax_tree(expression)
    walker = _Walker(None)
    _top(walker, tree)
    return _Parsed(tree.body, frozenset(walker.names))


def check(expression: str, kinds: dict[str, str]) -> None:
    """Raise :class:`ExpressionError` unless ``expression`` is a valid rule over fields of these ``kinds``.

    ``kinds`` maps each field code to ``"number"``, ``"cells"`` (a disaggregated
    number field) or ``"text"`` (any other field).
    """
    _top(_Walker(kinds), _syntax_tree(expression))  # first: its messages know the kinds
    _parse(expression)


def names(expression: str) -> set[str]:
    """The field codes ``expression`` refers to (ExpressionError if it is not a valid expression)."""
    return set(_parse(expression).names)


# --- evaluation --------------------------------------------------------------------------------


class _Skip(Exception):
    """Nothing to compare: the rule is skipped."""


def _number(value):
    if type(value) in (int, float, bool):
        return value
    if isinstance(value, (list, tuple)):
        raise ExpressionError("a disaggregated field was used as a number: use sum(), min(), max() or count()")
    raise ExpressionError(f"{type(value).__name__} value {value!r:.40} used as a number")


def _cells(values) -> list:
    return [_number(v) for v in values if v is not None]


def _arith(func):
    return lambda a, b: func(_number(a), _number(b))


def _is_close(a, b) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def _numbers(a, b) -> bool:
    return type(a) in (int, float, bool) and type(b) in (int, float, bool)


def _eq(a, b) -> bool:
    if _numbers(a, b) and (type(a) is float or type(b) is float):
        return _is_close(a, b)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        _number(a), _number(b)
    return a == b


def _ordering(op):
    strict = op in (operator.lt, operator.gt)

    def compare(a, b) -> bool:
        a, b = _number(a), _number(b)
        if type(a) is float or type(b) is float:
            close = _is_close(a, b)
            return (not close and op(a, b)) if strict else (close or op(a, b))
        return op(a, b)
    return compare


def _pow(a, b):
    a, b = _number(a), _number(b)
    if abs(b) > MAX_EXPONENT:  # the whitelist already refuses this; a second guard costs nothing
        raise ExpressionError(f"the exponent of ** must be a number from -{MAX_EXPONENT} to {MAX_EXPONENT}")
    return a ** b


_OPERATORS = {
    ast.Add: _arith(operator.add), ast.Sub: _arith(operator.sub), ast.Mult: _arith(operator.mul),
    ast.Div: _arith(operator.truediv), ast.FloorDiv: _arith(operator.floordiv), ast.Mod: _arith(operator.mod),
    ast.Pow: _pow,
    ast.Eq: _eq, ast.NotEq: lambda a, b: not _eq(a, b),
    ast.Lt: _ordering(operator.lt), ast.LtE: _ordering(operator.le),
    ast.Gt: _ordering(operator.gt), ast.GtE: _ordering(operator.ge),
    ast.Not: operator.not_, ast.USub: lambda a: -_number(a), ast.UAdd: lambda a: +_number(a),
}


def _flatten(args) -> list:
    out = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            out.extend(_cells(arg))
        else:
            out.append(_number(arg))
    return out


def _fn_sum(*args):
    return sum(_flatten(args))


def _fn_min(*args):
    found = _flatten(args)
    if not found:
        raise _Skip
    return min(found)


def _fn_max(*args):
    found = _flatten(args)
    if not found:
        raise _Skip
    return max(found)


def _fn_count(*args):
    total = 0
    for arg in args:
        if not isinstance(arg, (list, tuple)):
            raise ExpressionError("count() takes disaggregated fields only")
        total += sum(1 for v in arg if v is not None)
    return total


def _fn_round(x, digits=0):
    return round(_number(x), digits)


_FUNCTIONS = {"abs": lambda x: abs(_number(x)), "round": _fn_round, "min": _fn_min, "max": _fn_max,
              "sum": _fn_sum, "count": _fn_count}

_local = threading.local()


def _evaluator() -> simpleeval.SimpleEval:
    # One interpreter per thread: simpleeval keeps the names of the call in progress on itself.
    evaluator = getattr(_local, "evaluator", None)
    if evaluator is None:
        evaluator = _local.evaluator = simpleeval.SimpleEval(operators=_OPERATORS, functions=_FUNCTIONS, names={})
    return evaluator


def evaluate(expression: str, values: dict) -> bool | float | None:
    """The value of ``expression`` over ``values`` (field code -> number, None, or list of cells).

    None when the rule is to be skipped: a referenced value is None or absent,
    a division by zero or an overflow, min()/max() of no filled cell.
    Raises :class:`ExpressionError` for an invalid expression or a value of
    the wrong shape (a list where a number is expected).
    """
    parsed = _parse(expression)
    for name in parsed.names:
        if values.get(name) is None:
            return None
    evaluator = _evaluator()
    evaluator.names = values
    try:
        result = evaluator.eval(expression, previously_parsed=parsed.tree)
    except (_Skip, ZeroDivisionError, OverflowError):
        return None
    except ExpressionError:
        raise
    except simpleeval.InvalidExpression as exc:  # not reached after the whitelist; kept as a guard
        raise ExpressionError(str(exc)) from None
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"cannot evaluate: {exc}") from None
    finally:
        evaluator.names = {}
    if isinstance(result, bool):
        return result
    if isinstance(result, (int, float)):
        try:
            result = float(result)
        except OverflowError:
            return None
        return None if math.isnan(result) else result
    return bool(result)
