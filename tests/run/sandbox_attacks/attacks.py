"""The hostile suite's attacks, as data (not a test module).

Each attack is the source of a python grader that returns 1.0 when it got through (it read the
secret, reached the host, wrote outside, ...) and 0.0, or raises, when it was stopped. Every
attack is written to stay harmless to the machine even if the sandbox failed completely: no
``kill(-1)``, no signal to any process but its own parent (the template, or in a failed sandbox
the test's own host process), no write to /proc/sys or /sys (the mount flags are probed), at
most 50 forks whose children exit at once, at most 3 GB allocated, nothing unbounded.
``where`` in the sample names the host resources the driver set up. For the cross-sample
attacks (``own_reward``) the attack's own reward is not judged (a sample may always lie about
itself): what must hold is that the honest samples graded after it get exactly their rewards.
"""

from __future__ import annotations

from typing import Any

SECRET = "sk-graderkit-attack-secret-0123456789"
HONEST = "def grade(sample, item):\n    return len(sample['output_text']) / 10\n"
RUNTIME, SERVER = "python_grader_runtime_error", "python_grader_server_error"

_PRELUDE = f"""\
import ctypes, ctypes.util, os, signal, socket, sys, threading, time, json, errno
SECRET = {SECRET!r}.encode()
libc = ctypes.CDLL(None, use_errno=True)
def found(data):
    return SECRET in data
"""


def _attack(route: str, body: str, allowed: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    source = _PRELUDE + "def grade(sample, item):\n    where = sample['where']\n"
    source += "".join(f"    {line}\n" for line in body.strip("\n").splitlines())
    return {"route": route, "source": source, "allowed": allowed, **extra}


ATTACKS: dict[str, dict[str, Any]] = {
    # --- secrets in the host's environment -------------------------------------------------
    "env-os-environ": _attack(
        "secrets: os.environ",
        """
return float(any(SECRET.decode() in v for v in os.environ.values()))""",
    ),
    "env-proc-self": _attack(
        "secrets: /proc/self/environ",
        """
return float(found(open('/proc/self/environ', 'rb').read()))""",
    ),
    "env-proc-ppid": _attack(
        "secrets: /proc/<ppid>/environ by path",
        """
return float(found(open(f'/proc/{os.getppid()}/environ', 'rb').read()))""",
        (RUNTIME,),
    ),
    "env-symlink": _attack(
        "secrets: symlink to /proc/<ppid>/environ",
        """
os.symlink(f'/proc/{os.getppid()}/environ', 'env-link')
return float(found(open('env-link', 'rb').read()))""",
        (RUNTIME,),
    ),
    "env-ctypes": _attack(
        "secrets: ctypes getenv and process_vm_readv of the parent",
        """
if libc.getenv(b'OPENAI_API_KEY'):
    return 1.0
buf = ctypes.create_string_buffer(4096)
class iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
local = iovec(ctypes.cast(buf, ctypes.c_void_p), 4096)
remote = iovec(0x400000, 4096)
n = libc.syscall(310, os.getppid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
return float(n > 0 or ctypes.get_errno() not in (errno.EPERM, errno.ESRCH))""",
    ),
    "env-pid-scan": _attack(
        "secrets: scan every /proc/<pid>",
        """
hits = 0
for pid in os.listdir('/proc'):
    for name in ('environ', 'cmdline'):
        try:
            hits += found(open(f'/proc/{pid}/{name}', 'rb').read())
        except OSError:
            pass
return float(hits > 0)""",
    ),
    # --- the network --------------------------------------------------------------------------
    "net-python": _attack(
        "network: Python socket to the host's loopback listener",
        """
socket.create_connection(('127.0.0.1', where['port']), timeout=3).close()
return 1.0""",
        (RUNTIME,),
    ),
    "net-ctypes": _attack(
        "network: ctypes socket() and connect()",
        """
fd = libc.socket(2, 1, 0)
if fd < 0:
    return 0.0
addr = (ctypes.c_ubyte * 16)(2, 0, where['port'] >> 8, where['port'] & 255, 127, 0, 0, 1)
return float(libc.connect(fd, addr, 16) == 0)""",
    ),
    "net-after-globals": _attack(
        "network: after mutating the worker's globals",
        """
main = sys.modules['__main__']
for name in list(vars(main)):
    if name.startswith('_') and callable(getattr(main, name)) and not name.startswith('__'):
        setattr(main, name, lambda *a, **k: None)
sys.audit = lambda *a: None
socket.create_connection(('127.0.0.1', where['port']), timeout=3).close()
return 1.0""",
        (RUNTIME,),
    ),
    "net-abstract-unix": _attack(
        "network: the host's abstract unix socket",
        """
s = socket.socket(socket.AF_UNIX)
s.connect(where['abstract'])
return 1.0""",
        (RUNTIME,),
    ),
    "net-unix-path": _attack(
        "network: the host's unix socket by path",
        """
s = socket.socket(socket.AF_UNIX)
s.connect(where['unix'])
return 1.0""",
        (RUNTIME,),
    ),
    # --- writes outside the private directory --------------------------------------------------
    "write-python": _attack(
        "writes: Python open() of a host path",
        """
open(where['target'], 'w').write('x')
return 1.0""",
        (RUNTIME,),
    ),
    "write-realpath": _attack(
        "writes: with os.path.realpath patched",
        """
os.path.realpath = lambda p, *a, **k: '/tmp/allowed'
os.makedirs(os.path.dirname(where['target']), exist_ok=True)
open(where['target'], 'w').write('x')
return 1.0""",
        (RUNTIME,),
    ),
    "write-ctypes": _attack(
        "writes: ctypes open(O_CREAT) of a host path and of site-packages",
        """
for path in (where['target'], where['site']):
    fd = libc.open(path.encode(), os.O_WRONLY | os.O_CREAT, 0o644)
    if fd >= 0:
        return 1.0
return 0.0""",
    ),
    "write-site-packages": _attack(
        "writes: the interpreter's own files (read-only binds)",
        """
open(where['site'], 'w').write('x')
return 1.0""",
        (RUNTIME,),
    ),
    "proc-sys-sys": _attack(
        "/proc/sys and /sys writable (mount flags probed, never written)",
        """
flags = [os.statvfs(p).f_flag & os.ST_RDONLY for p in ('/proc/sys', '/proc/sys/kernel', '/proc/sys/vm')]
mounts = open('/proc/self/mountinfo').read().splitlines()
sys_ro = [l.split()[5].split(',')[0] for l in mounts if l.split()[4] == '/proc/sys']
return float(not all(flags) or sys_ro != ['ro'] or os.path.exists('/sys'))""",
    ),
    "root-writable": _attack(
        "the root and /dev are read-only; /dev/shm cannot be written",
        """
flags = [os.statvfs(p).f_flag & os.ST_RDONLY for p in ('/', '/dev', '/usr', sys.prefix)]
try:
    open('/dev/shm/graderkit-attack', 'w').write('x')
    return 1.0
except OSError:
    pass
return float(not all(flags))""",
    ),
    # --- programs and processes ----------------------------------------------------------------
    "exec-python": _attack(
        "processes: os.execv of the interpreter",
        """
os.execv(sys.executable, [sys.executable, '-c', 'pass'])
return 1.0""",
        (RUNTIME,),
    ),
    "exec-subprocess": _attack(
        "processes: subprocess.run",
        """
import subprocess
subprocess.run([sys.executable, '-c', 'pass'], timeout=5)
return 1.0""",
        (RUNTIME,),
    ),
    "exec-ctypes": _attack(
        "processes: ctypes execve and raw fork syscall",
        """
if libc.execve(sys.executable.encode(), None, None) == 0:
    return 1.0
pid = libc.syscall(57)  # fork(2): a child would exit at once
if pid == 0:
    os._exit(0)
return float(pid > 0)""",
    ),
    "fork-bounded": _attack(
        "processes: fork (50 at most, each child exits at once)",
        """
for _ in range(50):
    if os.fork() == 0:
        os._exit(0)
return 1.0""",
        (RUNTIME,),
    ),
    "fork-setsid-thread": _attack(
        "processes: a setsid child, forked from a thread",
        """
out = []
def go():
    try:
        pid = os.fork()
        if pid == 0:
            os.setsid()
            time.sleep(30)
            os._exit(0)
        out.append(pid)
    except OSError:
        pass
t = threading.Thread(target=go)
t.start(); t.join()
return float(bool(out))""",
    ),
    "kill-parent": _attack(
        "processes: SIGKILL the parent (the template)",
        """
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(2)
return 1.0""",
        (SERVER, RUNTIME),
    ),
    "stop-parent": _attack(
        "processes: SIGSTOP the parent, then return a reward",
        """
os.kill(os.getppid(), signal.SIGSTOP)
return 1.0""",
        ("unresponsive_reward_error", RUNTIME),
        timeout_s=3,
    ),
    "ptrace-parent": _attack(
        "processes: ptrace, /proc/<ppid>/mem and fd of the template",
        """
if libc.ptrace(16, os.getppid(), 0, 0) == 0:  # PTRACE_ATTACH
    return 1.0
for path in (f'/proc/{os.getppid()}/mem', f'/proc/{os.getppid()}/fd/0'):
    try:
        open(path, 'rb').close()
        return 1.0
    except OSError:
        pass
return 0.0  # listing /proc/<ppid>/fd shows numbers only: opening them is what is refused""",
        (RUNTIME,),
    ),
    # --- memory and disk totals --------------------------------------------------------------
    "memfd": _attack(
        "memory: memfd_create (outside RLIMIT_AS), SysV and POSIX shm",
        """
try:
    os.close(os.memfd_create('x'))
    return 1.0
except OSError:
    pass
if libc.syscall(319, b'x', 0) >= 0 or libc.shmget(0, 4096, 0o1600) >= 0:
    return 1.0
return 0.0""",
    ),
    "memory-rlimit": _attack(
        "memory: 2.5 GB in one allocation",
        """
hog = bytearray(2500 * 1024 ** 2)
return 1.0""",
        (SERVER,),
    ),
    "tmpfs-total": _attack(
        "disk: two 600 MB files against the 1 GiB total",
        """
chunk, total = b'x' * (16 * 1024 ** 2), 0
try:
    for name in ('a.bin', 'b.bin'):
        with open(name, 'wb') as f:
            for _ in range(600 // 16):
                f.write(chunk)
                total += len(chunk)
except OSError:
    pass
for name in ('a.bin', 'b.bin'):
    if os.path.exists(name):
        os.unlink(name)
return float(total > 1024 ** 3)""",
    ),
    # --- one sample against the next ----------------------------------------------------------
    "tamper-globals": _attack(
        "cross-sample: patch globals, builtins and the reward coercion",
        """
import builtins, json as j
main = sys.modules['__main__']
if hasattr(main, 'coerce_reward'):
    main.coerce_reward = lambda value: (0.99, '')
builtins.float = lambda *a: 0.99
builtins.len = lambda *a: 9
j.dumps = lambda *a, **k: '{"status": "ok", "reward": 0.99, "output": ""}'
return 0""",
        repeat=2,
        own_reward=True,
    ),
    "tamper-threads": _attack(
        "cross-sample: a hidden thread and a timer forge frames on every fd",
        """
import _thread
frame = b'{"status": "ok", "reward": 0.99, "output": ""}'
def forge():
    for _ in range(200):
        for fd in range(64):
            try:
                os.write(fd, len(frame).to_bytes(4, 'big') + frame)
            except OSError:
                pass
        time.sleep(0.01)
_thread.start_new_thread(forge, ())
threading.Timer(0.05, forge).start()
signal.setitimer(signal.ITIMER_REAL, 0.05)
return 0""",
        repeat=2,
        own_reward=True,
    ),
    "tamper-pipe": _attack(
        "cross-sample: read the control socket, steal other samples",
        """
stolen = b''
for fd in range(3, 64):
    try:
        os.set_blocking(fd, False)
        stolen += os.read(fd, 65536)
    except OSError:
        pass
return float(b'output_text' in stolen)""",
        repeat=2,
        own_reward=True,
    ),
    "tamper-files": _attack(
        "cross-sample: leave files for the next sample",
        """
seen = os.path.exists('planted.py') or os.path.exists('/tmp/planted.py')
open('planted.py', 'w').write('x')
open('/tmp/planted.py', 'w').write('x')
return float(seen)""",
        repeat=3,
    ),
}

ATTACKS["namespaces"] = _attack(
    "escape routes: new namespaces, mounts, keyrings, bpf, modules",
    """
# every call is made with arguments that do nothing even where it is allowed (NULL pointers):
# contained means the filter refused it (EPERM), not that the kernel found the arguments bad
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000
results = []
for flags in (CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNS):
    pid = libc.syscall(56, flags | 17, 0, 0, 0, 0)  # clone(flags | SIGCHLD): a child exits at once
    if pid == 0:
        os._exit(0)
    results.append((pid, ctypes.get_errno()))
for number, args in ((272, (CLONE_NEWNS,)), (165, (None, None, None, 0, None)), (250, (0, 0, 0, 0, 0)),
                     (321, (0, None, 0)), (175, (None, 0, None)), (308, (-1, 0))):
    results.append((libc.syscall(number, *args), ctypes.get_errno()))  # unshare, mount, keyctl, bpf, init_module, setns
return float(any(ret >= 0 or err != errno.EPERM for ret, err in results))""",
)
