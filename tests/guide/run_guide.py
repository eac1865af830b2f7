#!/usr/bin/env python3
"""Runs every ```console block of docs/GUIDE.md and checks its output, so the guide cannot rot.

Usage: run_guide.py [[GUIDE] BUILD]   (defaults: docs/GUIDE.md, and $TCPECHO_BIN as tests/run.sh
sets it)

A block is a terminal transcript: lines starting with "$ " are commands, the lines after each
command its expected output. In expected output a line "..." stands for any number of lines,
"*" within a line for any text, and runs of blanks compare equal to one blank (ss aligns its
columns to what it prints).

Each "## " section runs in one bash of its own, inside new network, PID and mount namespaces:
the guide's fixed port 9190 is then free whatever else runs on the machine (the test cannot
bind port 0, since a learner types the port), connections start from a clean slate (no
TIME_WAIT left by another test), and everything the section started dies with it. After each
command the runner waits for the output to go quiet (QUIET_S), so the lines a background
server logs land under the command that caused them, as they do on a terminal.

A ```c block whose first line is a comment naming a file ("/* src/net.c */") quotes that file:
each of its other lines ("..." aside) must be found in the file, in order, so a quote cannot
drift from the code it shows.

Prints cmocka's summary lines so tests/run.sh adds the counts; GUIDE_SECTION=TEXT runs only the
sections whose title contains TEXT.
"""
import os
import re
import select
import subprocess
import sys
import tempfile
import time

QUIET_S = 0.3      # output silent this long: the command's effects are over
QUIET_MAX_S = 3.0  # ...but never wait longer than this after the command returned
# ...or this long while the output does not match yet: a server started in the background
# under strace on a loaded machine may say "listening" a second or more after the command.
LATE_MAX_S = 10.0
COMMAND_MAX_S = 60.0
MARK = "\x1eguide-done "


def parse(path):
    """Returns [(title, [(line_no, command, [expected lines])])] for the sections with blocks."""
    sections, title, in_block, commands = [], None, False, []
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not in_block and line.startswith("## "):
                if commands:
                    sections.append((title, commands))
                title, commands = line[3:].strip(), []
            elif not in_block and line.strip() == "```console":
                in_block = True
            elif in_block and line.startswith("```"):
                in_block = False
            elif in_block and line.startswith("$ "):
                commands.append((no, line[2:], []))
            elif in_block:
                if not commands:
                    sys.exit(f"{path}:{no}: output before any command")
                commands[-1][2].append(line)
    if in_block:
        sys.exit(f"{path}: a ```console block is not closed")
    if commands:
        sections.append((title, commands))
    return sections


def check_quotes(path, root):
    """Returns a list of failures: quoted C lines missing from the file they name."""
    failures, block, name, start = [], None, None, 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for no, line in enumerate(lines, 1):
        if block is None and line.strip() == "```c":
            block, name, start = [], None, no
        elif block is not None and line.startswith("```"):
            if name:
                failures += check_quote(root, name, start, block)
            block = None
        elif block is not None:
            m = re.fullmatch(r"/\* (\S+\.[ch]) \*/", line.strip())
            if not block and name is None and m:
                name = m.group(1)
            else:
                block.append(line)
    return failures


def check_quote(root, name, start, block):
    try:
        with open(os.path.join(root, name), encoding="utf-8") as f:
            source = [ln.strip() for ln in f.read().splitlines()]
    except OSError as e:
        return [f"line {start}: quote of {name}: {e}"]
    at = 0
    for line in block:
        want = line.strip()
        if not want or want == "...":
            continue
        try:
            at = source.index(want, at) + 1
        except ValueError:
            return [f"line {start}: quote of {name}: not found (in order): {want}"]
    return []


def normalize(line):
    return re.sub(r"\s+", " ", line).strip()


def line_regex(pattern):
    return re.compile("".join(".*" if p == "*" else re.escape(p)
                              for p in re.split(r"(\*)", normalize(pattern))) + r"\Z")


def matches(expected, actual):
    """Does actual (list of lines) match expected, with "..." and "*" as wildcards?"""
    exp, actual = list(expected), list(actual)
    while exp and not exp[-1].strip():
        exp.pop()
    while actual and not actual[-1].strip():
        actual.pop()
    memo = {}

    def m(i, j):
        if (i, j) in memo:
            return memo[i, j]
        if i == len(exp):
            r = j == len(actual)
        elif exp[i].strip() == "...":
            r = any(m(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            r = j < len(actual) and bool(line_regex(exp[i]).match(normalize(actual[j]))) \
                and m(i + 1, j + 1)
        memo[i, j] = r
        return r

    return m(0, 0)


class Shell:
    """A bash in fresh namespaces, fed one command at a time."""

    def __init__(self, build, workdir):
        env = dict(os.environ, LC_ALL="C", PS1="", HOME=workdir, TERM="dumb",
                   PATH=f"{build}:{build}/classic:{os.environ.get('PATH', '')}")
        # In a sanitizer build: LeakSanitizer cannot work under ptrace, and the guide runs
        # programs under strace. Leaks are the integration tests' to find.
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        # Not root: a user namespace of our own gives the rights to make the others.
        user = [] if os.geteuid() == 0 else ["--map-root-user"]
        self.p = subprocess.Popen(
            ["unshare", *user, "--net", "--pid", "--fork", "--mount-proc", "bash", "--norc",
             "--noprofile"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=workdir, env=env)
        self.buf = b""
        out, status = self.run("ip link set lo up")
        if status != 0:
            raise RuntimeError("cannot set up the network namespace: " + " ".join(out))

    def _read(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return False
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            raise RuntimeError("the shell exited")
        self.buf += data
        return True

    def run(self, command, expected=None):
        """Runs command; returns (output lines, exit status). With expected, a quiet output
        that does not match it yet is waited on a while longer (LATE_MAX_S)."""
        # The marker keeps $? for the next command: "echo $?" in the guide must see this one's.
        self.p.stdin.write(f"{command}\n__st=$?; printf '{MARK}%s\\n' \"$__st\"; "
                           f"(exit $__st)\n".encode())
        self.p.stdin.flush()
        deadline = time.monotonic() + COMMAND_MAX_S
        mark = MARK.encode()
        while mark not in self.buf or not self.buf.split(mark, 1)[1].count(b"\n"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no end within {COMMAND_MAX_S:.0f} s")
            self._read(deadline - time.monotonic())
        start = time.monotonic()
        while True:
            read = self._read(QUIET_S)
            waited = time.monotonic() - start
            if read and waited < QUIET_MAX_S:
                continue
            if expected is None or waited >= LATE_MAX_S or matches(expected, self._lines(mark)):
                break
        before, after = self.buf.split(mark, 1)
        status_line, rest = after.split(b"\n", 1)
        self.buf = b""
        text = (before + rest).decode("utf-8", "replace")
        return text.splitlines(), int(status_line)

    def _lines(self, mark):
        """The output so far of the command whose end is marked by mark."""
        before, after = self.buf.split(mark, 1)
        rest = after.split(b"\n", 1)[1] if b"\n" in after else b""
        return (before + rest).decode("utf-8", "replace").splitlines()

    def close(self):
        self.p.stdin.close()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()  # our own unshare: its namespace's processes die with it
            self.p.wait()


def run_section(build, title, commands):
    """Returns a list of failure descriptions (empty: the section passed)."""
    with tempfile.TemporaryDirectory(prefix="guide.") as workdir:
        try:
            shell = Shell(build, workdir)
        except (RuntimeError, OSError) as e:
            return [f"setup: {e}"]
        failures = []
        try:
            for no, command, expected in commands:
                try:
                    actual, _ = shell.run(command, expected)
                except RuntimeError as e:
                    failures.append(f"line {no}: $ {command}\n  {e}")
                    break
                if not matches(expected, actual):
                    failures.append(f"line {no}: $ {command}\n  expected:\n"
                                    + "".join(f"    {e}\n" for e in expected)
                                    + "  got:\n" + "".join(f"    {a}\n" for a in actual))
        finally:
            shell.close()
        return failures


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:] or [os.environ.get("TCPECHO_BIN", "")]
    if len(args) == 1:  # BUILD alone, as tests/classic/run.sh takes it
        args.insert(0, os.path.join(here, "..", "..", "docs", "GUIDE.md"))
    if len(args) != 2 or not args[1]:
        sys.exit("usage: run_guide.py [[GUIDE] BUILD]  (defaults: docs/GUIDE.md $TCPECHO_BIN)")
    guide, build = args[0], os.path.abspath(args[1])
    only = os.environ.get("GUIDE_SECTION", "")
    passed, failed = 0, []
    root = os.path.dirname(os.path.dirname(os.path.abspath(guide)))
    quotes = check_quotes(guide, root)
    if quotes:
        failed.append("code quotes")
        print("[  FAILED  ] guide: code quotes")
        for f in quotes:
            print(f"  {f}")
    else:
        passed += 1
        print("[       OK ] guide: code quotes match the sources")
    for title, commands in parse(guide):
        if only not in title:
            continue
        failures = run_section(build, title, commands)
        if failures:
            failed.append(title)
            print(f"[  FAILED  ] guide: {title}")
            for f in failures:
                print(f"  {f}")
        else:
            passed += 1
            print(f"[       OK ] guide: {title} ({len(commands)} commands)")
        sys.stdout.flush()
    print(f"[  PASSED  ] {passed} test(s).")
    if failed:
        print(f"[  FAILED  ] {len(failed)} test(s), listed below:")
        for t in failed:
            print(f"[  FAILED  ] guide: {t}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
