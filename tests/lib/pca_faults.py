"""Fault injection for the Private CA test server (pcaserver.py): the
"fault" knob (one fault, or a list splitting one draw per request) and
what each kind does to an answer: a JSON 500/503 (or any status and code,
such as a ThrottlingException), an HTML page, a reset, a FIN, or silence.
"""

import json

from pca_operations import JSON_TYPE, OPERATIONS


class _Reset(Exception):
    """Fault injection asked to drop the connection without an answer."""

    def __init__(self, kind):
        super().__init__(kind)
        self.kind = kind


FAULT_KINDS = ("500", "503", "html", "reset", "close", "hang")


def _fault(value):
    """One fault, or a list of them drawn from one random number each
    request (their fractions add up: [{throttle 0.3}, {500 0.1}] throttles
    30% and fails 10% of the requests)."""
    if value is None:
        return None
    if isinstance(value, list):
        faults = [_fault_one(v) for v in value]
        if sum(f["fraction"] for f in faults) > 1.0:
            raise ValueError("the faults' fractions add up to more than 1")
        return faults
    return _fault_one(value)


def _fault_one(value):
    if not isinstance(value, dict) or value.get("kind") not in FAULT_KINDS:
        raise ValueError("fault needs kind in %s" % (FAULT_KINDS,))
    fault = {"kind": value["kind"], "count": value.get("count"),
             "fraction": float(_number(0)(value.get("fraction", 1.0))),
             "ops": list(value.get("ops") or []),
             "status": value.get("status"), "code": value.get("code"),
             "message": value.get("message")}
    if fault["count"] is None and "fraction" not in value:
        raise ValueError("fault needs a count, a fraction or both")
    if fault["count"] is not None:
        fault["count"] = int(_number(1)(fault["count"]))
    for op in fault["ops"]:
        if op not in OPERATIONS:
            raise ValueError("unknown operation %r" % op)
    return fault


def _number(low):
    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value < low:
            raise ValueError("expected a number >= %s, not %r" % (low, value))
        return value
    return check


class PcaFaults:
    """The fault knob's effect on requests; mixed into PcaServer."""


    def _take_fault(self, op):
        if isinstance(self._fault, list):
            draw = self._rng.random()
            for fault in self._fault:
                if fault["ops"] and op not in fault["ops"]:
                    continue
                if draw < fault["fraction"]:
                    return fault
                draw -= fault["fraction"]
            return None
        fault = self._fault
        if fault is None or (fault["ops"] and op not in fault["ops"]):
            return None
        if fault["fraction"] < 1.0 and self._rng.random() >= fault["fraction"]:
            return None
        if fault["count"] is not None:
            fault["count"] -= 1
            if fault["count"] <= 0:
                self._fault = None
        return fault

    def _inject(self, fault, op):
        kind = fault["kind"]
        self.stats_data.faults[kind] += 1
        self.stats_data.outcome(op, "Fault:" + kind, self._log)
        if kind in ("reset", "close", "hang"):
            raise _Reset(kind)
        if kind == "html":
            body = (b"<html><head><title>Internal Server Error</title></head>"
                    b"<body><h1>Internal Server Error</h1></body></html>\n")
            return fault["status"] or 500, "text/html", body, ""
        status = fault["status"] or int(kind)
        code = fault["code"] or ("InternalFailure" if status == 500
                                 else "ServiceUnavailable")
        message = fault["message"] or (
            "We encountered an internal error. Please try again."
            if status == 500 else "Service Unavailable")
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, JSON_TYPE, body, "x-amzn-ErrorType: %s\r\n" % code

