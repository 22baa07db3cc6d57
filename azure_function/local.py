"""Stand-in for `func start`: routes each HTTP request, as a `func.HttpRequest`, to the registered function."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import azure.functions as func
import orjson

from core.service import Request, Response

Route = tuple[re.Pattern[str], frozenset[str], Callable[[func.HttpRequest], func.HttpResponse]]


@functools.cache  # get_functions() indexes the app, and refuses to run twice
def routes(app: func.FunctionApp) -> list[Route]:
    """Each HTTP function's route template as a pattern, with its methods, as the Functions host matches them."""
    table = []
    for function in app.get_functions():
        trigger: Any = function.get_trigger()
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", trigger.route)
        methods = frozenset(str(getattr(m, "value", m)).upper() for m in trigger.methods)
        table.append((re.compile(f"/{pattern}"), methods, function.get_user_function()))
    return table


def call(app: func.FunctionApp, method: str, path: str, headers: dict[str, str], body: bytes) -> func.HttpResponse:
    """Call the function whose route and method match, as the host would; 404 when none does."""
    for pattern, methods, function in routes(app):
        match = pattern.fullmatch(path)
        if match and method.upper() in methods:
            request = func.HttpRequest(method.upper(), f"http://localhost{path}", headers=headers, body=body,
                                       route_params=match.groupdict())
            return function(request)
    return func.HttpResponse(b'{"error":"not found"}', status_code=404, mimetype="application/json")


def app(request: Request) -> Response:
    from function_app import app as function_app  # settings are read at import, as at a cold start

    result = call(function_app, request.method, request.path, dict(request.headers), request.body)
    headers = {k: v for k, v in result.headers.items() if k.lower() not in {"content-type", "content-length"}}
    return Response(result.status_code, orjson.loads(result.get_body()), headers)
