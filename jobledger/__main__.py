"""`python -m jobledger serve|...`"""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobledger")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API, workers and the emulated AWS services locally")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--workers", type=int, default=2, help="worker threads polling the queue")
    serve.add_argument("--provision-seconds", type=float, default=1.0,
                       help="simulated time the hypervisor takes to boot a VM (0 for none)")
    serve.add_argument("--inventory", default=None, help="inventory JSON file (default: the documentation's)")
    serve.add_argument("--allow-unsigned", action="store_true",
                       help="answer unsigned requests as the bootstrap admin (local stack only)")
    serve.add_argument("--rate-limit", type=int, default=0, help="requests per second per API key (0: off)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        return _serve(args)
    return 2


def _serve(args: argparse.Namespace) -> int:
    from jobledger import local

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    stack = local.start(args.host, args.port, workers=args.workers, provision_seconds=args.provision_seconds,
                        inventory_path=args.inventory, allow_unsigned=args.allow_unsigned,
                        rate_limit=args.rate_limit)
    print(f"jobledger listening on {stack.api_url}", flush=True)
    if stack.admin_keys and stack.admin_keys[2]:
        print(f"admin API key:    {stack.admin_keys[0]}", flush=True)
        print(f"admin secret key: {stack.admin_keys[1]}", flush=True)
        print("(generated now and shown once; set JOBLEDGER_ADMIN_API_KEY/JOBLEDGER_ADMIN_SECRET_KEY to fix them)",
              flush=True)
    print(f"emulated AWS (DynamoDB, SQS) at {stack.emulator_url}", flush=True)
    print("try:", flush=True)
    print(f"  curl '{stack.api_url}?command=deployVirtualMachine&zoneId=1&serviceOfferingId=1"
          f"&diskOfferingId=1&templateId=1'", flush=True)
    print(f"  curl '{stack.api_url}?command=queryAsyncJobResult&jobId=1&response=json'", flush=True)
    done.wait()
    print("jobledger stopping", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
