#!/usr/bin/python3
# ttypass.py PASSWORD1 PASSWORD2 -- COMMAND...: runs COMMAND on a pseudo
# terminal, answers its two password prompts (waiting for each prompt, not
# for a clock), and checks that neither password is echoed. Exits with the
# command's status; prints what the terminal showed.
import os, pty, sys

def main():
    sep = sys.argv.index("--")
    answers = sys.argv[1:sep]
    cmd = sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    shown = b""
    # a prompt is what the terminal shows since the last answer, ending in a
    # colon (English) or a full-width colon (Chinese)
    since = 0
    while True:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        shown += data
        tail = shown[since:].rstrip()
        if answers and tail and (tail.endswith(b":") or tail.endswith("：".encode())):
            since = len(shown)
            os.write(fd, answers.pop(0).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    text = shown.decode(errors="replace")
    sys.stdout.write(text)
    for a in sys.argv[1:sep]:
        if a in text:
            sys.stdout.write("ttypass: the password was echoed\n")
            sys.exit(3)
    sys.exit(os.waitstatus_to_exitcode(status))

main()
