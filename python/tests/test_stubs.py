"""The type stubs of the extension module (python/symrfm/_core.pyi) list exactly what the module
has: every function and class, every public method and attribute, and each function's parameter
names in order (from the signatures PyO3 records)."""
import ast
import inspect
import pathlib

import symrfm
import symrfm._core as core

STUB = pathlib.Path(symrfm.__file__).parent / "_core.pyi"


def _stub():
    tree = ast.parse(STUB.read_text())
    functions, classes = {}, {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            functions[node.name] = [a.arg for a in node.args.args]
        elif isinstance(node, ast.ClassDef):
            members = {}
            for b in node.body:
                if isinstance(b, ast.FunctionDef) and not b.name.startswith("__"):
                    members[b.name] = [a.arg for a in b.args.args][1:]
                elif isinstance(b, ast.AnnAssign):
                    members[b.target.id] = None
            classes[node.name] = members
    return functions, classes


def _params(f):
    try:
        return list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        return None


def test_the_stubs_list_exactly_the_functions_and_classes_of_the_module():
    functions, classes = _stub()
    public = {n: getattr(core, n) for n in dir(core) if not n.startswith("_")}
    kinds = {n for n, v in public.items() if isinstance(v, type)}
    assert set(functions) == set(public) - kinds, "functions differ from _core.pyi"
    assert set(classes) == kinds, "classes differ from _core.pyi"
    for name, params in functions.items():
        actual = _params(public[name])
        assert actual is not None, name
        assert actual == params, f"{name}: module {actual}, stub {params}"


def test_the_stubs_list_exactly_the_members_of_each_class():
    _, classes = _stub()
    for name, members in classes.items():
        cls = getattr(core, name)
        if issubclass(cls, BaseException):
            continue  # its attributes are set on the instance when raised
        actual = {n for n in dir(cls) if not n.startswith("_")}
        assert actual == set(members), f"{name}: module {sorted(actual)}, stub {sorted(members)}"
        for member, params in members.items():
            got = _params(getattr(cls, member))
            if params is not None and got is not None:
                assert got[1:] == params, f"{name}.{member}: module {got[1:]}, stub {params}"
