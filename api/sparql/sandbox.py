"""The walls around a query worker, each independent of the query guard and of the others.

1. Parent death: the kernel kills the worker when the server dies (PR_SET_PDEATHSIG), so a
   `kill -9` of the server leaves no worker burning a core.
2. Network namespace: an empty one where the OS allows it (needs CAP_SYS_ADMIN).
3. seccomp (libseccomp through `pyseccomp`, which needs no capability): the worker cannot
   create sockets, connect, use io_uring (which would bypass the socket filter) or exec a
   program. This holds in a default container, where (2) is refused.
4. Memory: RLIMIT_DATA bounds the worker's private writable memory (heap and anonymous
   maps, not the shared libraries or files it maps), so a query that would exhaust the
   machine fails an allocation instead; the engine then aborts and the pool replaces it.

The worker calls `enter()` once, before it loads the dataset; only the seccomp filter is
installed after loading (loading needs nothing it forbids, but opening files is simpler
to reason about before the filter is in place).
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

# syscalls a query never needs and an escaping query would: network and program execution
DENIED_SYSCALLS = ("socket", "connect", "io_uring_setup", "io_uring_enter", "io_uring_register", "execve", "execveat")


@dataclass
class Walls:
    """Which walls are up in this worker (reported on /health)."""

    parent_death: bool = False
    network_namespace: bool = False
    seccomp: bool = False
    memory_limit: int | None = None


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent(parent_pid: int) -> bool:
    """SIGKILL this process when its parent dies; exit at once if the parent is already gone."""
    try:
        ok = _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except OSError:
        ok = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(0)
    return ok


def isolate_network() -> bool:
    """Move this process into an empty network namespace (needs CAP_SYS_ADMIN); True if done."""
    try:
        return _libc().unshare(CLONE_NEWNET) == 0
    except OSError:
        return False


def limit_memory(limit: int | None) -> int | None:
    """Cap private writable memory at `limit` bytes (None or 0: no cap)."""
    if not limit:
        return None
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    return limit


def forbid_network_and_exec() -> bool:
    """Install the seccomp filter: every call in DENIED_SYSCALLS fails with EPERM. True if installed."""
    try:
        import pyseccomp
    except ImportError:
        return False
    try:
        sandbox = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
        for name in DENIED_SYSCALLS:
            try:
                sandbox.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
            except (ValueError, RuntimeError, OSError):  # a syscall this kernel/arch does not know
                continue
        sandbox.load()  # sets no_new_privs itself, so no capability is needed
        return True
    except (OSError, RuntimeError, ValueError):
        return False


def enter(parent_pid: int, memory_limit: int | None) -> Walls:
    """The walls that go up before the worker loads anything."""
    return Walls(parent_death=die_with_parent(parent_pid), network_namespace=isolate_network(),
                 memory_limit=limit_memory(memory_limit))
