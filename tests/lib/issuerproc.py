"""Runs the pca-issuer binary for integration tests and reads its log.

The process's stderr (one JSON object per line) is read by a thread into a
list; tests wait for a line matching a predicate with a deadline, never with
a fixed sleep. The process is stopped by its pid.
"""

import json
import os
import signal
import subprocess
import threading
import time


def binary():
    path = os.environ.get("PCA_ISSUER_BIN")
    if not path:
        raise RuntimeError("PCA_ISSUER_BIN is not set (run the tests through ctest)")
    return path


class IssuerProcess:
    """One pca-issuer process with its log lines parsed as they arrive."""

    def __init__(self, args, env=None, name="pca-issuer"):
        self.name = name
        self.lines = []
        self.raw = []
        self._cond = threading.Condition()
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(
            [binary()] + list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            try:
                obj = json.loads(text)
            except ValueError:
                obj = None
            with self._cond:
                self.raw.append(text)
                if isinstance(obj, dict):
                    self.lines.append(obj)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_log(self, pred, timeout=30.0, start=0):
        """Returns the first parsed log line from index start matching pred."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    if pred(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(
                        "%s: no matching log line within %.0fs; log tail:\n%s"
                        % (self.name, timeout, "\n".join(self.raw[-30:]))
                    )
                self._cond.wait(min(left, 0.5))

    def wait_msg(self, msg, timeout=30.0, **fields):
        return self.wait_log(
            lambda l: l.get("msg") == msg and all(l.get(k) == v for k, v in fields.items()),
            timeout,
        )

    def ports(self, timeout=30.0):
        """The metrics and probe ports the process logged."""
        m = self.wait_msg("serving metrics", timeout)
        p = self.wait_msg("serving health probes", timeout)
        return int(m["port"]), int(p["port"])

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait(self, timeout=30.0):
        rc = self.proc.wait(timeout)
        self._reader.join(5)
        return rc

    def stop(self):
        """Stops the process by pid: SIGTERM, then SIGKILL after a deadline."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)

    def log_text(self):
        with self._cond:
            return "\n".join(self.raw)
