"""python -m sample_integrations.message_logger [--host H] [--port N] [--log-file F]"""

from __future__ import annotations

import argparse

from aiohttp import web

from sample_integrations.message_logger.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sample_integrations.message_logger")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument(
        "--public-url", help="base URL Telex reaches this app at (default: the request's)"
    )
    parser.add_argument(
        "--log-file", help="append JSON lines here when the log_file setting is empty"
    )
    args = parser.parse_args()
    print(f"integration JSON: http://{args.host}:{args.port}/integration.json", flush=True)
    web.run_app(create_app(args.public_url, args.log_file), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
