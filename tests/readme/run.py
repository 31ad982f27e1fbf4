#!/usr/bin/env python3
"""run.py - the README's shown commands print the README's shown output.

usage: tests/readme/run.py VIGIL REPO_DIR

Every fenced block of README.md whose first line starts with "$ " is a
session: each "$ " line is a command, the lines up to the next "$ " line are
what it prints (stdout and stderr together, as a terminal shows them). A
line "..." ends a shown output early: the lines before it must be the first
lines printed. Commands run in a scratch directory holding a link to the
repo's tests/ (so tests/data/... paths work), with `vigil` the binary under
test. `damaged.argus` is made as the README describes it: the sample
def.argus with a zero-length record header written at 0x154.
Ends with "N passed, N failed"; exit 1 when any failed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

vigil, repo = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
text = open(os.path.join(repo, "README.md"), encoding="utf-8").read()

sessions = []
for m in re.finditer(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M):
    lines = m.group(1).splitlines()
    if lines and lines[0].startswith("$ "):
        sessions.append((text[: m.start()].count("\n") + 1, lines))
if not sessions:
    print("FAIL README.md shows no command ($ lines)")
    sys.exit(1)

scratch = tempfile.mkdtemp()
os.symlink(os.path.join(repo, "tests"), os.path.join(scratch, "tests"))
with open(os.path.join(repo, "tests/data/argus/def.argus"), "rb") as f:
    good = f.read()
with open(os.path.join(scratch, "damaged.argus"), "wb") as f:
    f.write(good[:340] + b"\x13\x10\x00\x00" + good[340:])
bindir = os.path.join(scratch, "bin")
os.mkdir(bindir)
os.symlink(vigil, os.path.join(bindir, "vigil"))
env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], TZ="UTC", LC_ALL="C")

passed = failed = 0
for line0, lines in sessions:
    i, last_rc = 0, 0
    while i < len(lines):
        cmd = lines[i][2:]
        j = i + 1
        while j < len(lines) and not lines[j].startswith("$ "):
            j += 1
        want = lines[i + 1 : j]
        prefix = "..." in want
        if prefix:
            want = want[: want.index("...")]
        where = "README.md:%d: $ %s" % (line0 + i + 1, cmd)
        if cmd == "echo $?":
            got = [str(last_rc)]
        else:
            # stderr first, then stdout: each command here writes its
            # messages before (or without) its standard output
            p = subprocess.run(["bash", "-c", cmd], cwd=scratch, env=env,
                               capture_output=True, text=True, timeout=120)
            last_rc = p.returncode
            got = p.stderr.splitlines() + p.stdout.splitlines()
        if prefix:
            got = got[: len(want)]
        if got == want:
            passed += 1
            print("ok   " + where)
        else:
            failed += 1
            print("FAIL " + where)
            for k in range(max(len(got), len(want))):
                w = want[k] if k < len(want) else "(nothing)"
                g = got[k] if k < len(got) else "(nothing)"
                if w != g:
                    print("  line %d: README shows: %s" % (k + 1, w))
                    print("  line %d: vigil prints: %s" % (k + 1, g))
                    break
        i = j
shutil.rmtree(scratch)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
