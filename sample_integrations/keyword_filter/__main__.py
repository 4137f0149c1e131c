"""python -m sample_integrations.keyword_filter [--host H] [--port N] [--public-url URL]"""

from __future__ import annotations

import argparse

from aiohttp import web

from sample_integrations.keyword_filter.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sample_integrations.keyword_filter")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument(
        "--public-url", help="base URL Telex reaches this app at (default: the request's)"
    )
    args = parser.parse_args()
    print(f"integration JSON: http://{args.host}:{args.port}/integration.json", flush=True)
    web.run_app(create_app(args.public_url), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
