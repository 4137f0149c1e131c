"""python -m sample_integrations.uptime_monitor [--host H] [--port N] [--public-url URL]"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from sample_integrations.uptime_monitor.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sample_integrations.uptime_monitor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument(
        "--public-url", help="base URL Telex reaches this app at (default: the request's)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(f"integration JSON: http://{args.host}:{args.port}/integration.json", flush=True)
    web.run_app(create_app(args.public_url), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
