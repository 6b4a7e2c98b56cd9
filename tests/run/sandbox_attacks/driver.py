"""Host side of one attack (run as its own process by test_sandbox_attacks.py; not a test module).

Sets up real host resources an escaped grader could reach (a secret in the environment, a TCP
listener on the host's loopback, an abstract and a path unix socket, a directory to write to),
runs the attack's grader in the default sandbox, then checks the host: did anything connect,
was any file written? Then honest samples must still get exactly their rewards. Prints one JSON
line. Usage: python driver.py ATTACK_ID [none]   (none: the trusted mode, to show the attack works)
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from attacks import ATTACKS, HONEST, SECRET

from graderkit._run.sandbox.supervisor import Limits, PythonSandbox


def _listeners(folder: str) -> tuple[dict[str, object], list[socket.socket]]:
    tcp = socket.create_server(("127.0.0.1", 0))
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0graderkit-attack-{os.getpid()}")
    path = os.path.join(folder, "host.sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(path)
    for s in (abstract, unix):
        s.listen()
    for s in (tcp, abstract, unix):
        s.setblocking(False)
    where = {"port": tcp.getsockname()[1], "abstract": f"\0graderkit-attack-{os.getpid()}",
             "unix": path, "folder": folder, "target": os.path.join(folder, "escaped.txt"),
             "site": os.path.join(os.path.dirname(os.__file__), f"escaped-{os.getpid()}.txt")}  # fmt: skip
    return where, [tcp, abstract, unix]


def _connected(sockets: list[socket.socket]) -> bool:
    for s in sockets:
        try:
            s.accept()[0].close()
            return True
        except BlockingIOError:
            continue
    return False


def main() -> None:
    attack = ATTACKS[sys.argv[1]]
    with tempfile.TemporaryDirectory(prefix="graderkit-attack-", dir="/var/tmp") as folder:
        where, sockets = _listeners(folder)
        os.environ["OPENAI_API_KEY"] = SECRET
        limits = Limits(timeout_s=float(attack.get("timeout_s", 20)))
        outcomes = []
        mode = "none" if sys.argv[2:] == ["none"] else "bwrap"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the trusted mode's warning: asked for here
            box = PythonSandbox(workers=1, limits=limits, isolation=mode)
        with box:
            for _ in range(int(attack.get("repeat", 1))):
                got = box.run(attack["source"], {"output_text": "x", "where": where}, {"n": 1})
                outcomes.append({"reward": got.reward, "errors": sorted(got.errors),
                                 "details": [str(v)[-300:] for v in got.errors.values()]})  # fmt: skip
            honest = [box.run(HONEST, {"output_text": "a" * n}, {}).reward for n in range(5)]
        escaped_file = os.path.exists(where["target"]) or os.path.exists(str(where["site"]))
        if os.path.exists(str(where["site"])):
            os.unlink(str(where["site"]))
        print(json.dumps({"outcomes": outcomes, "honest": honest, "connected": _connected(sockets),
                          "escaped_file": escaped_file}))  # fmt: skip


if __name__ == "__main__":
    main()
