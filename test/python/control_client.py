#!/usr/bin/python3
"""A control API client in Python, to prove a second gRPC implementation can drive a peer.

Generates its stubs at run time from proto/peerlab/control/v1/control.proto alone,
then calls Whoami, ListPeers, Send (to --peer), History, Stats, and reads the Events
stream until its own message is delivered. Prints one JSON object on stdout; on any
failure prints "control_client: <what failed>" on stderr and exits 1.

Run it with /usr/bin/python3 (Debian's python3-grpcio and python3-grpc-tools):
  /usr/bin/python3 test/python/control_client.py --target=127.0.0.1:PORT --token=TOKEN --peer=bob
(write --token=TOKEN: a generated token may start with "-", which argparse would read as a flag)
"""
import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PROTO_FILE = "peerlab/control/v1/control.proto"
DEFAULT_PROTO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto"))
INSTALL_HINT = "install python3-grpcio python3-grpc-tools (apt-get install -y python3-grpcio python3-grpc-tools) and run with /usr/bin/python3"


class ClientError(Exception):
    """A failure to report on stderr: says what was being done and what came back."""


try:
    import grpc
    import grpc_tools  # noqa: F401  (only checked here; protoc runs as a subprocess)
except ImportError as err:
    print(f"control_client: cannot import grpc with {sys.executable} ({err}); {INSTALL_HINT}", file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Drive a peerlab peer through its control API.")
    parser.add_argument("--target", required=True, help="host:port of the control API, e.g. 127.0.0.1:40123")
    parser.add_argument("--token", default=os.environ.get("PEERLAB_CONTROL_TOKEN", ""),
                        help="bearer token (default: $PEERLAB_CONTROL_TOKEN)")
    parser.add_argument("--peer", required=True, help="name or id of the peer to send to")
    parser.add_argument("--text", default=None, help="message text (default: a unique greeting)")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds to wait for each call, and for the delivered event")
    parser.add_argument("--proto-root", default=DEFAULT_PROTO_ROOT, help="directory holding peerlab/control/v1/control.proto")
    args = parser.parse_args(argv)
    if args.token == "":
        parser.error("no token: pass --token or set PEERLAB_CONTROL_TOKEN")
    if args.timeout <= 0:
        parser.error(f"--timeout must be > 0 seconds, got {args.timeout}")
    return args


def generate_stubs(proto_root, out_dir):
    """Runs protoc on the control proto and imports what it wrote; returns (pb2, pb2_grpc)."""
    proto_path = os.path.join(proto_root, PROTO_FILE)
    if not os.path.isfile(proto_path):
        raise ClientError(f"no proto at {proto_path} (use --proto-root)")
    command = [sys.executable, "-m", "grpc_tools.protoc", "-I", proto_root,
               f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", proto_path]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise ClientError(f"protoc failed ({result.returncode}) on {proto_path}: {result.stderr.strip()}")
    # Regular packages (not namespace ones), so the generated "from peerlab.control.v1 import
    # control_pb2" finds these files even if another "peerlab" is on the path.
    package_dir = out_dir
    for part in os.path.dirname(PROTO_FILE).split("/"):
        package_dir = os.path.join(package_dir, part)
        open(os.path.join(package_dir, "__init__.py"), "a").close()
    sys.path.insert(0, out_dir)
    module = os.path.splitext(PROTO_FILE)[0].replace("/", ".")
    try:
        return importlib.import_module(f"{module}_pb2"), importlib.import_module(f"{module}_pb2_grpc")
    except ImportError as err:
        raise ClientError(f"cannot import the stubs protoc wrote in {out_dir}: {err}") from err


def to_plain(message):
    """A protobuf message as plain JSON values: snake_case keys, 64-bit ints kept as numbers."""
    out = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            out[field.name] = {key: plain_value(item) for key, item in value.items()}
        elif field.label == field.LABEL_REPEATED:
            out[field.name] = [plain_value(item) for item in value]
        elif field.containing_oneof is not None and not message.HasField(field.name):
            continue
        else:
            out[field.name] = plain_value(value)
    return out


def plain_value(value):
    return to_plain(value) if hasattr(value, "DESCRIPTOR") else value


def call(what, fn):
    """Runs one RPC; turns a gRPC error into a ClientError naming the call and the status."""
    try:
        return fn()
    except grpc.RpcError as err:
        raise ClientError(f"{what} failed: {err.code().name}: {err.details()}") from err


def run(args, pb2, pb2_grpc):
    metadata = (("authorization", f"Bearer {args.token}"),)
    # The control API is local; never route it through an http_proxy from the environment.
    with grpc.insecure_channel(args.target, options=[("grpc.enable_http_proxy", 0)]) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=args.timeout)
        except grpc.FutureTimeoutError as err:
            raise ClientError(f"cannot connect to the control API at {args.target} within {args.timeout} s") from err
        stub = pb2_grpc.ControlStub(channel)
        timeout = args.timeout

        whoami = call("Whoami", lambda: stub.Whoami(pb2.WhoamiRequest(), metadata=metadata, timeout=timeout))
        peers = call("ListPeers", lambda: stub.ListPeers(pb2.ListPeersRequest(), metadata=metadata, timeout=timeout))

        # Subscribe before sending, and wait for the stream's headers: the server sends them
        # once it is listening, so the delivered event cannot slip past.
        events = stub.Events(pb2.EventsRequest(), metadata=metadata, timeout=timeout)
        try:
            events.initial_metadata()
            if events.done():
                call("Events", events.result)  # raises with the status that ended it
                raise ClientError("Events ended before any event arrived")

            text = args.text if args.text is not None else f"hello from python, pid {os.getpid()} at {time.time():.3f}"
            sent = call("Send", lambda: stub.Send(pb2.SendRequest(to=args.peer, text=text), metadata=metadata, timeout=timeout))

            seen = []
            delivered = None
            try:
                for event in events:
                    kind = event.WhichOneof("kind")
                    seen.append(kind)
                    if kind == "delivered" and event.delivered.message_id == sent.message_id:
                        delivered = dict(to_plain(event.delivered), at_ms=event.at_ms)
                        break
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                    raise ClientError(
                        f"no delivered event for message {sent.message_id} within {timeout} s (events seen: {seen})"
                    ) from err
                raise ClientError(f"Events failed: {err.code().name}: {err.details()}") from err
            if delivered is None:
                raise ClientError(f"Events ended before message {sent.message_id} was delivered (events seen: {seen})")
        finally:
            events.cancel()

        history = call("History", lambda: stub.History(pb2.HistoryRequest(peer=args.peer, limit=100), metadata=metadata, timeout=timeout))
        stats = call("Stats", lambda: stub.Stats(pb2.StatsRequest(), metadata=metadata, timeout=timeout))

    return {
        "whoami": to_plain(whoami),
        "peers": to_plain(peers)["peers"],
        "sent": dict(to_plain(sent), text=text),
        "delivered": delivered,
        "events_seen": seen,
        "history": to_plain(history)["entries"],
        "stats": to_plain(stats),
    }


def main(argv):
    args = parse_args(argv)
    out_dir = tempfile.mkdtemp(prefix="peerlab-control-stubs-")
    try:
        pb2, pb2_grpc = generate_stubs(args.proto_root, out_dir)
        result = run(args, pb2, pb2_grpc)
    except ClientError as err:
        print(f"control_client: {err}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
