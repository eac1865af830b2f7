#!/usr/bin/env python3
"""Deploys echo-server the ways docs/DEPLOYING.md shows, with the real programs
it integrates with, and checks every echoed byte.

Usage: run_deploy.py [BUILD]   (default: $TCPECHO_BIN, as tests/run.sh sets)

Cases: --inetd on a socket handed over directly, and under Debian's xinetd; systemd socket
activation under systemd-socket-activate, one server for all connections (Accept=no) and one
per connection (--accept --inetd); --user/--group after binding the echo port 7; two
--proxy-protocol instances behind Debian's haproxy with contrib/haproxy.cfg, loaded by
echo-bench with verification.

The whole run happens in new network, PID and mount namespaces: systemd-socket-activate
cannot bind port 0 and the contrib files name the echo port 7, so the tests use fixed ports,
which in a network namespace of our own can meet nothing else on the machine; every process
started here dies with the namespace. Cases that switch users (xinetd's user = nobody,
--user) need real root and are skipped, saying so, without it.

Prints cmocka's summary lines so tests/run.sh adds the counts; DEPLOY_CASE=TEXT runs only the
cases whose name contains TEXT.
"""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "pylib"))
from checks import WAIT_S, Failure, Skip, check, until  # noqa: E402

INNER = "TCPECHO_DEPLOY_INNER"


def connect(port, host="127.0.0.1"):
    end = time.monotonic() + WAIT_S
    while True:
        try:
            s = socket.create_connection((host, port), timeout=WAIT_S)
            return s
        except OSError:
            if time.monotonic() > end:
                raise Failure(f"nothing accepts on {host}:{port}")
            time.sleep(0.05)


def echo_exact(port, data):
    """Sends data (a child process writes, so full buffers never deadlock), half-closes,
    reads to end of stream, and checks the bytes are the same."""
    s = connect(port)
    back = bytearray()
    pid = os.fork()
    if pid == 0:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        finally:
            os._exit(0)
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        chunk = s.recv(65536)
        if not chunk:
            break
        back += chunk
    os.waitpid(pid, 0)
    s.close()
    check(bytes(back) == data, f"echo of {len(data)} bytes came back as {len(back)} bytes"
          + (" (different)" if len(back) == len(data) else ""))


class Proc:
    """A program started here, stderr to a file; stopped by its own PID at the end."""

    def __init__(self, argv, tmp, name, **kw):
        self.log_path = os.path.join(tmp, name + ".log")
        self.log = open(self.log_path, "wb")
        self.p = subprocess.Popen(argv, stdin=kw.pop("stdin", subprocess.DEVNULL),
                                  stdout=kw.pop("stdout", self.log), stderr=self.log, **kw)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, needle, timeout=WAIT_S):
        return until(lambda: needle in self.text(), repr(needle) + " in " + self.log_path,
                     timeout)

    def stop(self, sig=signal.SIGTERM):
        """Signals it and returns its exit status."""
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(WAIT_S)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise Failure(f"{self.p.args[0]} did not exit on {sig.name}")
        finally:
            self.log.close()


def status_ids(pid):
    """Returns {Uid: [...], Gid: [...], Groups: [...]} from /proc/PID/status."""
    ids = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("Uid", "Gid", "Groups"):
                ids[key] = [int(x) for x in val.split()]
    return ids


def need_root():
    if os.environ.get("TCPECHO_DEPLOY_REAL_ROOT") != "1":
        raise Skip("needs root (switches users)")


def need(prog):
    if not shutil.which(prog):
        raise Skip(f"{prog} is not installed (make test installs it)")


def contrib(name, bindir):
    with open(os.path.join(ROOT, "contrib", name)) as f:
        return f.read().replace("@BINDIR@", bindir)


def reachable_copy(build, tmp):
    """Copies echo-server where any user can run it, and returns that folder: xinetd runs it as
    nobody, who cannot reach a build inside a private folder (a clone made by mktemp -d is
    0700: execv() then fails with EACCES)."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    os.chmod(tmp, 0o711)
    os.chmod(bindir, 0o755)
    shutil.copy2(f"{build}/echo-server", bindir)
    return bindir


# --- inetd --------------------------------------------------------------------------------

def inetd_spawn(build, tmp, extra, stderr_is_socket):
    """Accepts one connection here and starts echo-server --inetd on it, as inetd does."""
    lst = socket.create_server(("127.0.0.1", 0))
    port = lst.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), timeout=WAIT_S)
    conn, _ = lst.accept()
    lst.close()
    err = conn if stderr_is_socket else open(os.path.join(tmp, "inetd.log"), "wb")
    p = subprocess.Popen([f"{build}/echo-server", "--inetd", *extra], stdin=conn, stdout=conn,
                         stderr=err)
    conn.close()
    if not stderr_is_socket:
        err.close()
    return p, client


def case_inetd_stdin_socket(build, tmp):
    p, client = inetd_spawn(build, tmp, ["-s", "line"], False)
    client.sendall(b"hello\r\nquit\n")
    back = client.makefile("rb").read()
    client.close()
    check(back == b"hello\n", f"line over --inetd answered {back!r}")
    check(p.wait(WAIT_S) == 0, f"echo-server --inetd exited {p.returncode}")
    log = open(os.path.join(tmp, "inetd.log")).read()
    check(re.search(r"echo-server: connected client 1 from 127\.0\.0\.1:\d+\n", log), log)
    check("client 1 disconnected: client said quit (12 bytes in, 6 bytes out)" in log, log)


def case_inetd_logs_never_reach_client(build, tmp):
    # As under xinetd: stderr is the client's socket, and -v would log plenty.
    p, client = inetd_spawn(build, tmp, ["-v"], True)
    data = os.urandom(300000)
    sender = os.fork()
    if sender == 0:
        client.sendall(data)
        client.shutdown(socket.SHUT_WR)
        os._exit(0)
    back = client.makefile("rb").read()
    os.waitpid(sender, 0)
    client.close()
    check(p.wait(WAIT_S) == 0, f"echo-server --inetd exited {p.returncode}")
    check(back == data, f"{len(back)} bytes back for {len(data)}: a log line reached the client?")


def case_inetd_not_a_socket(build, tmp):
    r = subprocess.run([f"{build}/echo-server", "--inetd"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=WAIT_S)
    check(r.returncode == 1, f"exit {r.returncode}")
    check(r.stderr == b"echo-server: --inetd: standard input is not a TCP connection nor a UDP "
          b"socket (run it from inetd, xinetd or a systemd socket with Accept=yes)\n", r.stderr)


def xinetd_entry(build, tmp, name):
    """The service block called name of contrib/tcpecho.xinetd, bound to 127.0.0.1."""
    text = contrib("tcpecho.xinetd", reachable_copy(build, tmp))
    m = re.search(r"^service " + re.escape(name) + r"\n\{.*?^\}\n", text, re.M | re.S)
    check(m is not None, f"no service {name} in contrib/tcpecho.xinetd")
    return m.group(0).replace("port            = 7",
                              "port            = 7\n    bind            = 127.0.0.1")


def start_xinetd(tmp, entry):
    """Starts xinetd on entry alone; returns (Proc, its per-service log file)."""
    conf = os.path.join(tmp, "xinetd.conf")
    log = os.path.join(tmp, "xinetd.file")
    with open(conf, "w") as f:
        f.write(f"defaults\n{{\n    log_type = FILE {log}\n"
                "    log_on_success = PID EXIT DURATION\n}\n" + entry)
    x = Proc(["xinetd", "-dontfork", "-f", conf, "-pidfile", os.path.join(tmp, "xinetd.pid"),
              "-filelog", os.path.join(tmp, "xinetd.log")], tmp, "xinetd-stderr")
    main_log = os.path.join(tmp, "xinetd.log")
    try:
        until(lambda: os.path.exists(main_log) and
              "Started working: 1 available service" in open(main_log).read(),
              "xinetd's 'Started working' line")
    except Failure:
        x.stop()
        raise
    return x, log


def case_xinetd(build, tmp):
    need("xinetd")
    need_root()
    x, log = start_xinetd(tmp, xinetd_entry(build, tmp, "tcpecho"))
    try:
        for size in (1, 4096, 1 << 20):
            echo_exact(7, os.urandom(size))
        until(lambda: open(log).read().count("EXIT: tcpecho status=0") == 3,
              "three EXIT: tcpecho status=0 lines in xinetd's log")
        check("status=1" not in open(log).read(), open(log).read())
    finally:
        x.stop()


def udp_echo_exact(port, sizes, host="127.0.0.1"):
    """Sends one datagram of each size from a port of the kernel's choosing (above 1024, so the
    loop guard lets it through) and checks each comes back whole."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(WAIT_S)
        s.connect((host, port))
        for size in sizes:
            data = os.urandom(size)
            s.send(data)
            back = s.recv(65536)
            check(back == data, f"datagram of {size} bytes came back as {len(back)} bytes"
                  + (" (different)" if len(back) == size else ""))


def case_xinetd_dgram(build, tmp):
    need("xinetd")
    need_root()
    entry = xinetd_entry(build, tmp, "tcpecho-udp").replace("--idle-timeout 30",
                                                            "--idle-timeout 1")
    x, log = start_xinetd(tmp, entry)
    try:
        # The first datagram starts echo-server with the socket; it answers it and the next
        # ones, exits when idle, and the next datagram starts another.
        udp_echo_exact(7, (1, 1472, 65507))
        until(lambda: open(log).read().count("EXIT: tcpecho-udp status=0") == 1,
              "an EXIT: tcpecho-udp status=0 line in xinetd's log (idle exit)")
        udp_echo_exact(7, (0, 100))
        until(lambda: open(log).read().count("EXIT: tcpecho-udp status=0") == 2,
              "a second EXIT: tcpecho-udp status=0 line in xinetd's log")
        check("status=1" not in open(log).read(), open(log).read())
    finally:
        x.stop()


# --- systemd socket activation ------------------------------------------------------------

def case_socket_activation(build, tmp):
    need("systemd-socket-activate")
    a = Proc(["systemd-socket-activate", "-l", "127.0.0.1:7", f"{build}/echo-server"], tmp,
             "activate")
    try:
        a.wait_log("Listening on 127.0.0.1:7 as 3.")
        # The first connection starts the server, which then serves everyone on that socket.
        first = connect(7)
        a.wait_log("listening on 127.0.0.1:7 (service echo, model epoll, from systemd)")
        for size in (10, 1 << 20):
            echo_exact(7, os.urandom(size))
        first.sendall(b"still here\n")
        check(first.recv(64) == b"still here\n", "the first client was not echoed")
        first.close()
        check(a.text().count("echo-server: connected client") == 3, a.text())
    finally:
        check(a.stop() == 0, "echo-server did not exit 0 on SIGTERM: " + a.text())


def case_socket_activation_datagram(build, tmp):
    need("systemd-socket-activate")
    a = Proc(["systemd-socket-activate", "--datagram", "-l", "127.0.0.1:7",
              f"{build}/echo-server", "-s", "echo"], tmp, "activate")
    try:
        a.wait_log("Listening on 127.0.0.1:7 as 3.")
        # The first datagram starts the server; it is still in the socket, and answered.
        udp_echo_exact(7, (10, 1472, 65507, 0))
        a.wait_log("listening on 127.0.0.1:7 (udp, service echo, model epoll, from systemd)")
    finally:
        check(a.stop() == 0, "echo-server did not exit 0 on SIGTERM: " + a.text())
    check("4 datagrams in, 4 out, 0 not answered" in a.text(), a.text())


def case_socket_activation_accept(build, tmp):
    need("systemd-socket-activate")
    a = Proc(["systemd-socket-activate", "--accept", "--inetd", "-l", "127.0.0.1:7",
              f"{build}/echo-server", "--inetd"], tmp, "activate")
    try:
        a.wait_log("Listening on 127.0.0.1:7 as 3.")
        for size in (1, 65536, 1 << 20):
            echo_exact(7, os.urandom(size))
        until(lambda: a.text().count("echo-server: client 1 disconnected (") == 3,
              "three one-client servers, each ending cleanly: " + a.text())
    finally:
        a.stop()


def activation_refused(build, tmp, argv, message):
    a = Proc(["systemd-socket-activate", *argv, f"{build}/echo-server"], tmp, "activate")
    try:
        s = connect(7)
        a.wait_log(message)
        s.close()
        if "--accept" in argv:  # the activator stays, and reports each child's end
            a.wait_log("died with code 1")
        else:  # the activator became echo-server
            check(a.p.wait(WAIT_S) == 1, f"exit {a.p.returncode}, not 1")
        lines = [ln for ln in a.text().splitlines() if ln.startswith("echo-server:")]
        check(lines == [message], f"expected only {message!r}, got {lines!r}")
    finally:
        a.stop()


def case_socket_activation_two_sockets(build, tmp):
    need("systemd-socket-activate")
    activation_refused(build, tmp, ["-l", "127.0.0.1:7", "-l", "127.0.0.1:8"],
                       "echo-server: socket activation: two stream sockets passed, but "
                       "echo-server serves one of each (give the .socket unit one ListenStream=)")


def case_socket_activation_accept_without_inetd(build, tmp):
    need("systemd-socket-activate")
    activation_refused(build, tmp, ["--accept", "-l", "127.0.0.1:7"],
                       "echo-server: socket activation: descriptor 3 is a connection, not a "
                       "listener (with Accept=yes, run echo-server --inetd)")


# --- privileges ---------------------------------------------------------------------------

def case_user_after_binding_port_7(build, tmp):
    need_root()
    nobody = pwd.getpwnam("nobody")
    s = Proc([f"{build}/echo-server", "-b", "127.0.0.1", "-p", "7", "--user", "nobody"], tmp,
             "server", env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    try:
        s.wait_log("listening on 127.0.0.1:7")
        ids = status_ids(s.p.pid)
        check(ids["Uid"] == [nobody.pw_uid] * 4, f"Uid {ids['Uid']}")
        check(ids["Gid"] == [nobody.pw_gid] * 4, f"Gid {ids['Gid']}")
        check(set(ids["Groups"]) <= {nobody.pw_gid}, f"Groups {ids['Groups']}")
        check(f"running as uid {nobody.pw_uid}, gid {nobody.pw_gid}" in s.text(), s.text())
        echo_exact(7, os.urandom(100000))
    finally:
        check(s.stop() == 0, "exit status after SIGTERM: " + s.text())


def case_group_only(build, tmp):
    need_root()
    s = Proc([f"{build}/echo-server", "-b", "127.0.0.1", "-p", "7", "--group", "nogroup",
              "-m", "thread"], tmp, "server",
             env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    try:
        s.wait_log("listening on 127.0.0.1:7")
        ids = status_ids(s.p.pid)
        gid = __import__("grp").getgrnam("nogroup").gr_gid
        check(ids["Uid"] == [0] * 4, f"Uid {ids['Uid']}")
        check(ids["Gid"] == [gid] * 4 and ids["Groups"] == [gid], f"{ids}")
        echo_exact(7, b"group only\n")
    finally:
        s.stop()


def case_unknown_user(build, tmp):
    r = subprocess.run([f"{build}/echo-server", "-b", "127.0.0.1", "-p", "7", "--user",
                        "no-such-user-tcpecho"], capture_output=True, timeout=WAIT_S)
    check(r.returncode == 1, f"exit {r.returncode}")
    check(r.stderr == b"echo-server: --user no-such-user-tcpecho: no such user\n", r.stderr)


# --- haproxy ------------------------------------------------------------------------------

def case_haproxy_two_instances(build, tmp):
    need("haproxy")
    cfg = contrib("haproxy.cfg", build).replace("    bind :7\n", "    bind 127.0.0.1:7\n")
    check("bind 127.0.0.1:7\n" in cfg, "contrib/haproxy.cfg no longer binds :7")
    path = os.path.join(tmp, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(cfg)
    servers = [Proc([f"{build}/echo-server", "--proxy-protocol", "-b", "127.0.0.1", "-p",
                     str(port)], tmp, f"echo{port}") for port in (7001, 7002)]
    h = None
    try:
        for s in servers:
            s.wait_log("(service echo, model epoll, PROXY protocol)")
        h = Proc(["haproxy", "-db", "-f", path], tmp, "haproxy")
        connect(7).close()
        bench = subprocess.run([f"{build}/echo-bench", "-q", "-c", "20", "-t", "2", "-w", "0.5",
                                "127.0.0.1", "7"], capture_output=True, timeout=60)
        out = bench.stdout.decode()
        check(bench.returncode == 0, f"echo-bench exit {bench.returncode}: {out}"
              + bench.stderr.decode())
        for s in servers:
            log = s.text()
            # The real client is echo-bench on 127.0.0.1, reaching haproxy's port 7.
            check(re.search(r"client \d+ is 127\.0\.0\.\d+:\d+ \(PROXY v2, to 127\.0\.0\.1:7\)",
                            log), f"{s.log_path}: no client address from a PROXY header")
            # "disconnected (N bytes in" or "disconnected: Connection reset by peer (N bytes in"
            moved = [int(m) for m in re.findall(r"disconnected[^(\n]*\((\d+) bytes in", log)]
            check(sum(moved) > 0, f"{s.log_path}: served no bytes")
            check("bad PROXY header" not in log, f"{s.log_path}: {log}")
    finally:
        if h:
            h.stop()
        for s in servers:
            check(s.stop() == 0, "an instance did not exit 0")


CASES = [
    case_inetd_stdin_socket,
    case_inetd_logs_never_reach_client,
    case_inetd_not_a_socket,
    case_xinetd,
    case_xinetd_dgram,
    case_socket_activation,
    case_socket_activation_datagram,
    case_socket_activation_accept,
    case_socket_activation_two_sockets,
    case_socket_activation_accept_without_inetd,
    case_user_after_binding_port_7,
    case_group_only,
    case_unknown_user,
    case_haproxy_two_instances,
]


def run_cases(build):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    only = os.environ.get("DEPLOY_CASE", "")
    passed, failed = 0, []
    for case in CASES:
        name = case.__name__[5:].replace("_", " ")
        if only not in name:
            continue
        tmp = tempfile.mkdtemp(prefix="tcpecho-deploy-")
        os.chmod(tmp, 0o755)
        try:
            case(build, tmp)
            print(f"[       OK ] deploy: {name}")
            passed += 1
        except Skip as e:
            print(f"[       OK ] deploy: {name} (SKIPPED: {e})")
            passed += 1
        except (Failure, OSError, subprocess.SubprocessError) as e:
            print(f"[  FAILED  ] deploy: {name}\n  {e}")
            for log in sorted(os.listdir(tmp)):
                if log.endswith(".log"):
                    print(f"  --- {log}:\n" + open(os.path.join(tmp, log),
                                                   errors="replace").read()[-2000:])
            failed.append(name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
    print(f"[  PASSED  ] {passed} test(s).")
    if failed:
        print(f"[  FAILED  ] {len(failed)} test(s), listed below:")
        for name in failed:
            print(f"[  FAILED  ] deploy: {name}")
    return 1 if failed else 0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TCPECHO_BIN", "")
    if not build:
        sys.exit("usage: run_deploy.py [BUILD]  (default: $TCPECHO_BIN)")
    build = os.path.abspath(build)
    if os.environ.get(INNER) == "1":
        sys.exit(run_cases(build))
    env = dict(os.environ, TCPECHO_DEPLOY_INNER="1",
               TCPECHO_DEPLOY_REAL_ROOT="1" if os.getuid() == 0 else "0")
    user = [] if os.getuid() == 0 else ["--map-root-user"]
    cmd = ["unshare", *user, "--net", "--pid", "--fork", "--mount-proc", sys.executable,
           os.path.abspath(__file__), build]
    try:
        sys.exit(subprocess.run(cmd, env=env, timeout=600).returncode)
    except subprocess.TimeoutExpired:
        print("[  FAILED  ] deploy: the whole run took over 600 s")
        sys.exit(1)


if __name__ == "__main__":
    main()
