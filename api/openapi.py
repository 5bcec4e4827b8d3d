"""The OpenAPI document, complete and true: every answer an operation can give, with its real schema.

FastAPI documents a route's success answer and a 422 of a shape we never send. Every other answer comes
from places it does not look: the dependencies (sign-in, the role policy), the services the route calls,
the request guard that runs before any route, the error handlers. :func:`install_openapi` builds the
document once, from FastAPI's, and adds to each operation the errors it can really give, each with the
``ErrorEnvelope`` schema (``core.errors``: ``{"error": {"code", "message", "details", "trace_id"}}``,
``trace_id`` a string), derived as follows:

======  ==============================================================================================
status  documented on an operation when
======  ==============================================================================================
4xx/5xx an :class:`core.errors.AppError` is raised or built by the route's code: the endpoint, its
        dependencies, and every function of ours they reach, read from the source (:func:`reach`). A
        raise inside ``try`` whose ``except`` catches it does not count. This is how 401 (sign-in),
        403 (the role policy, operators), 404 (an id that is not the caller's), 409, 400 and 502 are found.
404     the route has path parameters: a value holding ``/`` finds no route.
413     the route reads a body (``accounts.ratelimit``: the guard counts every body).
415     the route takes a JSON body (``core.errors``: a body sent as another media type).
422     always: parameters and bodies are validated, and the guard refuses NUL bytes in any URL.
429     always: the rate limiter runs before every route (``accounts.ratelimit``), with ``Retry-After``.
503     the route's code reaches the database (``session_factory``): it is away (``core.errors``).
500     always.
======  ==============================================================================================

The reader follows names it can resolve (module attributes, imports, a method's own class, a variable
bound to what a constructor or an annotated function returns); a call it cannot resolve (an object chosen
at run time, such as a booking's provisioner) is not followed, and the route declares those errors itself.
A route's own ``responses=`` are kept: their descriptions win, and their error answers get the envelope.
Success answers that are not JSON (CSV, PDF, server-sent events, a redirect) are declared on their routes
with their media type. The HTML pages are left out of the document (``include_in_schema=False``).
tests/api/test_openapi_fuzz.py checks the result against the running app with schemathesis.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import textwrap
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from core.errors import AppError, ErrorEnvelope

# Packages whose functions are read for the errors they raise; a call into anything else (SQLAlchemy,
# pydantic, the standard library) is not followed: their exceptions are mapped by the handlers.
OUR_PACKAGES = frozenset(
    {
        "core",
        "catalog",
        "accounts",
        "alerts",
        "booking",
        "billing",
        "analytics",
        "api",
        "agent",
        "tools",
        "web",
        "iac_templates",
    }
)
ENVELOPE = "ErrorEnvelope"
ENVELOPE_REF = {"$ref": f"#/components/schemas/{ENVELOPE}"}
FASTAPI_DEFAULTS = {"Validation Error", "Successful Response"}


@dataclass(frozen=True)
class Raised:
    """One error a route can answer with: its class, HTTP status and envelope ``code``."""

    error: type[AppError]
    status: int
    code: str


@dataclass
class Reach:
    """What a piece of code can do that shows in its answers."""

    errors: set[Raised] = field(default_factory=set)
    database: bool = False
    reads_body: bool = False

    def add(self, other: Reach) -> None:
        self.errors |= other.errors
        self.database |= other.database
        self.reads_body |= other.reads_body


def _ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".", 1)[0] in OUR_PACKAGES


def _literal(call: ast.Call, name: str) -> Any:
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant):
            return kw.value.value
    return None


def _namespace(func: Callable[..., Any], tree: ast.AST) -> dict[str, Any]:
    """The names the function's source can mean: builtins, its module's globals, its closure and its
    own imports; a name the function binds itself (a parameter, a variable) means nothing known."""
    namespace: dict[str, Any] = dict(vars(builtins))
    namespace.update(func.__globals__)
    namespace.update(inspect.getclosurevars(func).nonlocals)
    imported: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            namespace.pop(node.id, None)
        elif isinstance(node, ast.arg):
            namespace.pop(node.arg, None)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not _first_def(tree):
            namespace.pop(node.name, None)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            module = _import(node.module)
            for alias in node.names:
                value = getattr(module, alias.name, None) if module else None
                imported[alias.asname or alias.name] = value or _import(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name.split(".")[0]] = _import(
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    namespace.update(imported)
    namespace.update(_instances(func, tree, namespace))
    return namespace


def _our_class(hint: Any) -> type | None:
    """The class of ours a type hint names (``KillBillClient``, ``KillBillClient | None``), if any."""
    if isinstance(hint, type):
        return hint if _ours(hint) else None
    for arg in getattr(hint, "__args__", ()):
        if (cls := _our_class(arg)) is not None:
            return cls
    return None


def _returns(target: Any) -> type | None:
    if isinstance(target, type):
        return target if _ours(target) else None
    if inspect.ismethod(target):
        target = target.__func__
    if inspect.isfunction(target) and _ours(target):
        try:
            return _our_class(typing.get_type_hints(target).get("return"))
        except Exception:  # a hint that does not evaluate: nothing known
            return None
    return None


def _instances(func: Callable[..., Any], tree: ast.AST, namespace: dict[str, Any]) -> dict[str, type]:
    """Names that hold an instance of one of our classes, so ``client.invoice(...)`` can be followed: the
    method's ``self``, annotated parameters, and variables bound to what a constructor or an annotated
    function returns (``kb = client or KillBillClient.from_settings(settings)``, ``with ... as kb``)."""
    found: dict[str, type] = {}
    owner = namespace.get(func.__qualname__.split(".")[0]) if "." in func.__qualname__ else None
    for part in func.__qualname__.split(".")[1:-1]:
        owner = getattr(owner, part, None)
    params = list(inspect.signature(func).parameters)
    if isinstance(owner, type) and params and params[0] in ("self", "cls"):
        found[params[0]] = owner
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # a hint that does not evaluate: nothing known
        hints = {}
    for name, hint in hints.items():
        if name != "return" and (cls := _our_class(hint)) is not None:
            found[name] = cls

    def produced(value: ast.expr) -> type | None:
        if isinstance(value, ast.BoolOp):
            return next((c for v in value.values if (c := produced(v)) is not None), None)
        if isinstance(value, ast.Call):
            return _returns(_Reader.resolve(value.func, {**namespace, **found}))
        return None

    for node in ast.walk(tree):
        bound: tuple[ast.expr | None, ast.expr] | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            bound = (node.targets[0], node.value)
        elif isinstance(node, ast.withitem):
            bound = (node.optional_vars, node.context_expr)
        if bound is not None and isinstance(bound[0], ast.Name) and (cls := produced(bound[1])) is not None:
            found[bound[0].id] = cls
    return found


def _first_def(tree: ast.AST) -> ast.AST | None:
    body = getattr(tree, "body", [])
    return body[0] if body else None


def _import(name: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class _Reader:
    """Reads functions' source once each (memoized by code object), following calls into our packages."""

    def __init__(self) -> None:
        self._memo: dict[types.CodeType, Reach] = {}
        self._open: set[types.CodeType] = set()

    def function(self, func: Callable[..., Any]) -> Reach:
        func = inspect.unwrap(func)
        code = getattr(func, "__code__", None)
        if code is None or not _ours(func):
            return Reach()
        if code in self._memo:
            return self._memo[code]
        if code in self._open:  # recursion: what it reaches is being collected by the outer call
            return Reach()
        self._open.add(code)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
        except (OSError, TypeError, SyntaxError):
            reach = Reach()
        else:
            reach = self._node(tree, _namespace(func, tree))
        finally:
            self._open.discard(code)
        self._memo[code] = reach
        return reach

    @staticmethod
    def resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
        """What a name or a dotted name means: a module, a class, a function (a method's function)."""
        if isinstance(node, ast.Name):
            return namespace.get(node.id)
        if isinstance(node, ast.Attribute):
            base = _Reader.resolve(node.value, namespace)
            if isinstance(base, (types.ModuleType, type)):
                value = inspect.getattr_static(base, node.attr, None)
                if isinstance(value, (staticmethod, classmethod)):
                    value = value.__func__
                return value if value is not None else getattr(base, node.attr, None)
        return None

    def _error(self, node: ast.expr, namespace: dict[str, Any]) -> Raised | None:
        call = node if isinstance(node, ast.Call) else None
        cls = self.resolve(call.func if call else node, namespace)
        if not (isinstance(cls, type) and issubclass(cls, AppError)):
            return None
        status = _literal(call, "status") if call else None
        code = _literal(call, "code") if call else None
        return Raised(cls, status if isinstance(status, int) else cls.status, code or cls.code)

    def _caught(self, handler: ast.ExceptHandler, namespace: dict[str, Any]) -> tuple[type, ...]:
        if handler.type is None:
            return (BaseException,)
        nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        resolved = (self.resolve(n, namespace) for n in nodes)
        return tuple(t for t in resolved if isinstance(t, type))

    def _node(self, node: ast.AST, namespace: dict[str, Any]) -> Reach:
        reach = Reach()
        if isinstance(node, ast.Try | ast.TryStar):
            for stmt in node.body:
                reach.add(self._node(stmt, namespace))
            for handler in node.handlers:
                reraises = any(isinstance(n, ast.Raise) and n.exc is None for n in ast.walk(handler))
                if not reraises:
                    caught = self._caught(handler, namespace)
                    reach.errors = {r for r in reach.errors if not issubclass(r.error, caught)}
            for part in [*node.handlers, *node.orelse, *node.finalbody]:
                reach.add(self._node(part, namespace))
            return reach
        if isinstance(node, ast.Raise) and node.exc is not None and not isinstance(node.exc, ast.Call):
            if (raised := self._error(node.exc, namespace)) is not None:
                reach.errors.add(raised)
        elif isinstance(node, ast.Call):
            # Built, not only raised: a webhook answers a refused transition with an envelope it returns.
            if (raised := self._error(node, namespace)) is not None:
                reach.errors.add(raised)
            reach.reads_body |= _reads_request_body(node)
        elif isinstance(node, ast.Attribute) and node.attr == "session_factory":
            reach.database = True
        if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            target = self.resolve(node, namespace)
            if inspect.isfunction(target) and _ours(target):
                # Called or handed to a thread pool alike: what it can raise reaches the caller.
                reach.add(self.function(target))
        for child in ast.iter_child_nodes(node):
            reach.add(self._node(child, namespace))
        return reach


def _reads_request_body(call: ast.Call) -> bool:
    """``request.body()``, ``request.json()``, ``request.form()``, ``request.stream()``."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in {"body", "json", "form", "stream"}
        and isinstance(func.value, ast.Name)
        and func.value.id == "request"
        and not call.args
    )


def _dependencies(dependant: Any) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def reach(route: Any, reader: _Reader | None = None) -> Reach:
    """Everything the route's endpoint and dependencies can raise or touch (see the module docstring)."""
    reader = reader or _Reader()
    found = Reach()
    for call in [route.endpoint, *_dependencies(route.dependant)]:
        found.add(reader.function(call))
    return found


def api_routes(app: FastAPI) -> Iterator[Any]:
    """The documented API routes, with the prefixes and dependencies of the routers that include them."""
    iter_contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    if iter_contexts is None:  # FastAPI before included routers kept their own routes: a flat list
        yield from (r for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema)
        return
    for context in iter_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context


def _describe(status: int, codes: Iterable[str], why: str | None) -> str:
    phrase = HTTPStatus(status).phrase
    listed = ", ".join(f"`{c}`" for c in sorted(set(codes)))
    text = f"{phrase}: {why}" if why else phrase
    return f"{text} (error codes: {listed})" if listed else text


def error_statuses(route: Any, found: Reach) -> dict[int, tuple[set[str], str | None]]:
    """The error statuses the route can answer with: status -> (envelope codes, why)."""
    out: dict[int, tuple[set[str], str | None]] = {}

    def add(status: int, code: str | None = None, why: str | None = None) -> None:
        codes, old_why = out.setdefault(status, (set(), why))
        if code:
            codes.add(code)
        if why and not old_why:
            out[status] = (codes, why)

    for raised in found.errors:
        add(raised.status, raised.code)
    dependant = route.dependant
    takes_json = route.body_field is not None
    if dependant.path_params:
        add(404, "not_found", "no such resource, or a path parameter that matches no route")
    if takes_json or found.reads_body:
        add(413, "payload_too_large", "the request body is over the limit (GPUBROKER_MAX_REQUEST_BODY_BYTES)")
    if takes_json:
        add(415, "unsupported_media_type", "the body was not sent as application/json")
    add(
        422,
        "invalid_input",
        "a parameter or body field is invalid (named in `details`), or the URL holds a NUL byte",
    )
    if takes_json or _has_params(dependant):
        add(422, "validation_error")
    add(429, "rate_limited", "over the caller's rate limit; retry after `Retry-After` seconds")
    if found.database:
        add(503, "database_unavailable", "the database is unavailable; retry after `Retry-After` seconds")
    add(500, "internal_error", "a failure of ours, logged with the trace id")
    return out


def _has_params(dependant: Any) -> bool:
    return bool(
        dependant.path_params or dependant.query_params or dependant.header_params or dependant.cookie_params
    )


def _error_response(
    existing: dict[str, Any] | None, status: int, codes: set[str], why: str | None
) -> dict[str, Any]:
    response = dict(existing or {})
    if response.get("description") in (None, *FASTAPI_DEFAULTS):
        response["description"] = _describe(status, codes, why)
    content = dict(response.get("content") or {})
    content["application/json"] = {"schema": ENVELOPE_REF}
    response["content"] = content
    if status in (429, 503):
        response["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "required": status == 429,
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return response


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(envelope.pop("$defs", {}))
    components[ENVELOPE] = envelope
    reader = _Reader()
    for route in api_routes(app):
        statuses = error_statuses(route, reach(route, reader))
        operations = schema["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = operations.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            # Errors the route declares itself (responses=) get the envelope too.
            declared: dict[int, tuple[set[str], str | None]] = {
                int(s): (set(), None) for s in responses if s[0] in "45" and int(s) not in statuses
            }
            for status, (codes, why) in sorted({**declared, **statuses}.items()):
                responses[str(status)] = _error_response(responses.get(str(status)), status, codes, why)
            operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's own 422 shape is documented nowhere any more.
    text = str(schema["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"/{unused}'" not in text:
            components.pop(unused, None)
    return schema


def install_openapi(app: FastAPI) -> None:
    """``app.openapi()`` (and ``/openapi.json``) builds the document on first use and keeps it."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
