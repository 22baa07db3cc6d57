"""`interana-destination serve`: DESIGN's HTTP API on this machine."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import os
import sys
from collections.abc import Mapping

from .errors import ConfigError
from .server import App, is_loopback, make_server
from .service import Request, Response, handle
from .settings import Settings
from .store import FileStore

# Each cloud platform's local stand-in lives in its own package, imported only when asked for.
PLATFORM_APPS = {"aws": "aws_lambda.local", "azure": "azure_function.local"}


def local_app(settings: Settings) -> App:
    store = FileStore(settings.local_dir)

    def app(request: Request) -> Response:
        return handle(request, settings, store)

    return app


def serve_settings(env: Mapping[str, str], platform: str, host: str) -> Settings:
    """Settings for `serve`: unauthenticated only on loopback, and only when no auth is configured."""
    settings = Settings.from_env({**env, "INTERANA_PLATFORM": platform})
    if not is_loopback(host):
        if settings.allow_unauthenticated or not settings.auth_configured:
            raise ConfigError(
                "ALLOW_UNAUTHENTICATED",
                f"refusing to serve unauthenticated on non-loopback address {host}",
                "set SEGMENT_SHARED_SECRET, SEGMENT_WRITE_KEYS or INGEST_BEARER_TOKEN, or bind 127.0.0.1",
            )
    elif not settings.auth_configured:
        settings = dataclasses.replace(settings, allow_unauthenticated=True)
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interana-destination", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the HTTP API locally")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--platform", choices=["local", "aws", "azure"], default="local",
                       help="local: files under INTERANA_LOCAL_DIR; aws/azure: the real handler and store")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    try:
        settings = serve_settings(os.environ, args.platform, args.host)
        if args.platform == "local":
            app = local_app(settings)
        else:
            if settings.allow_unauthenticated:
                os.environ["ALLOW_UNAUTHENTICATED"] = "true"  # the handler reads its own settings
            app = importlib.import_module(PLATFORM_APPS[args.platform]).app
        server = make_server(args.host, args.port, app, settings.max_body_bytes)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
        return 2

    host, port = server.server_address[:2]
    host = str(host)
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    where = os.path.abspath(settings.local_dir) if args.platform == "local" else str(settings.location)
    print(f"Interana Destination ({settings.platform_label}) listening on {url}, storing to {where}")
    if not settings.allow_unauthenticated:
        print("Authentication is on: send X-Signature, Basic auth with a write key, or a bearer token.")
    print("Try:")
    print(f"  curl -X POST {url}/segment -H 'Content-Type: application/json' "
          """-d '{"type":"track","event":"Clicked Login Button","userId":"u1"}'""")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
