"""python -m sample_integrations.helper_agent [--host H] [--port N] [--streaming]"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from sample_integrations.helper_agent.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sample_integrations.helper_agent")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument(
        "--public-url", help="base URL Telex reaches this agent at (default: the request's)"
    )
    parser.add_argument(
        "--streaming", action="store_true", help="declare streaming: Telex calls message/stream"
    )
    parser.add_argument(
        "--report-delay", type=float, default=3.0, help="seconds the slow report takes"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    print(f"agent card: http://{args.host}:{args.port}/.well-known/agent.json", flush=True)
    app = create_app(args.public_url, streaming=args.streaming, report_delay_s=args.report_delay)
    web.run_app(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
