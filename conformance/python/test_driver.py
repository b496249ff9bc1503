"""End-to-end tests of cf_driver.py (standard library unittest).

    python3 -m unittest -v test_driver            # from conformance/python/
    $(pyenv prefix 3.6.15)/bin/python3 -m unittest test_driver

The driver runs in a subprocess on the interpreter running the tests (or $CF_PYTHON).
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "cf_driver.py")
PYTHON = os.environ.get("CF_PYTHON", sys.executable)
TPE = "concurrent.futures:ThreadPoolExecutor"
PPE = "concurrent.futures:ProcessPoolExecutor"
V = sys.version_info if PYTHON == sys.executable else None


def version():
    if V is not None:
        return tuple(V[:2])
    out = subprocess.check_output([PYTHON, "-c", "import sys; print('%d %d' % sys.version_info[:2])"])
    return tuple(int(x) for x in out.split())


VERSION = version()


def sc(steps, workers=1, **kw):
    s = {"id": kw.pop("id", "t"), "workers": workers, "thread_name_prefix": "cfw",
         "initializer": None, "short": 0.02, "patience": 2.0, "steps": steps}
    s.update(kw)
    return s


def submit(kind="return", gate=None):
    t = {"kind": kind}
    if gate is not None:
        t = {"kind": "gated", "gate": gate}
    return {"op": "submit", "task": t}


def gated(g=0):
    return submit(gate=g)


def result(i, timeout=None, op="result"):
    return {"op": op, "future": i, "timeout": timeout}


def wait(fs, rw, timeout=None):
    return {"op": "wait", "futures": fs, "return_when": rw, "timeout": timeout}


def map_(items, timeout=None, chunksize=1, buffersize=None):
    return {"op": "map", "items": [{"kind": k} if isinstance(k, str) else k for k in items],
            "timeout": timeout, "chunksize": chunksize, "buffersize": buffersize}


def err(kind, message=None):
    e = {"kind": kind}
    if message is not None:
        e["message"] = message
    return e


def run(args, stdin=""):
    p = subprocess.Popen([PYTHON, DRIVER] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, errout = p.communicate(stdin.encode("utf-8"), timeout=60)
    return p.returncode, out.decode("utf-8"), errout.decode("utf-8")


class DriverTest(unittest.TestCase):
    maxDiff = None

    def traces(self, scenarios, executor=TPE, isolated=False):
        args = ["--executor", executor] + (["--isolated"] if isolated else [])
        code, out, errout = run(args, "".join(json.dumps(s) + "\n" for s in scenarios))
        self.assertEqual((code, errout), (0, ""))
        traces = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(traces), len(scenarios))
        return traces

    def trace(self, scenario, **kw):
        t = self.traces([scenario], **kw)[0]
        self.assertEqual(t["create"], {"ok": True})
        self.assertEqual(t["aborted"], None)
        self.assertEqual(t["teardown"], {"ok": True})
        self.assertEqual([s["n"] for s in t["steps"]], list(range(1, len(scenario["steps"]) + 1)))
        return t

    def obs(self, scenario, **kw):
        return [s["obs"] for s in self.trace(scenario, **kw)["steps"]]

    def assertObs(self, got, want):
        """want: obs with error messages optional (an error without "message" matches any)."""
        def strip(g, w):
            if isinstance(w, dict) and isinstance(g, dict):
                if set(w) == {"kind"} and "message" in g:
                    return {"kind": g["kind"]}
                return dict((k, strip(g[k], w[k]) if k in w else g[k]) for k in g)
            if isinstance(w, list) and isinstance(g, list) and len(w) == len(g):
                return [strip(a, b) for a, b in zip(g, w)]
            return g
        self.assertEqual(strip(got, want), want)

    # -- one scenario per op ------------------------------------------------------------------

    def test_submit_values_and_trace_fields(self):
        t = self.trace(sc([submit(), submit(), submit(), result(0), result(2, 0), result(1, "short")],
                          workers=2, id="s-42"))
        self.assertEqual(t["id"], "s-42")
        self.assertEqual(t["executor"], TPE)
        self.assertTrue(t["runner"].startswith("CPython 3."))
        self.assertEqual([s["obs"] for s in t["steps"][3:]],
                         [{"value": 1000}, {"value": 1002}, {"value": 1001}])
        first = t["steps"][0]
        self.assertEqual(list(first)[:3], ["n", "op", "obs"])
        self.assertEqual((first["op"], first["obs"], first["states"]), ("submit", {"future": 0}, ["FINISHED"]))
        self.assertEqual((first["started"], first["blocked"], first["finished"]), ([0], [], [0]))
        last = t["steps"][-1]
        self.assertEqual(last["states"], ["FINISHED"] * 3)
        self.assertEqual(last["finished"], [0, 1, 2])
        self.assertTrue(all(name.startswith("cfw_") for name in last["threads"].values()))
        self.assertEqual(sorted(last["threads"]), ["0", "1", "2"])

    def test_raise_and_panic(self):
        o = self.obs(sc([submit("raise"), submit("panic"), result(0), result(1, op="exception"),
                         result(0, 0, op="exception"), submit(), result(2, op="exception")]))
        self.assertEqual(o[2:], [{"error": err("raised", "t0 raised")},
                                 {"exception": err("panicked", "t1 panicked")},
                                 {"exception": err("raised", "t0 raised")}, {"future": 2},
                                 {"exception": None}])

    def test_cancel_pending_behind_gated(self):
        t = self.trace(sc([gated(), submit(), {"op": "cancel", "future": 1},
                           {"op": "cancel", "future": 0}, result(1, 0), {"op": "open", "gate": 0},
                           result(0)]))
        s = t["steps"]
        self.assertEqual((s[0]["states"], s[0]["started"], s[0]["blocked"], s[0]["finished"]),
                         (["RUNNING"], [0], [0], []))
        self.assertEqual(s[0]["threads"], {"0": "cfw_0"})
        self.assertEqual(s[1]["states"], ["RUNNING", "PENDING"])
        self.assertObs([x["obs"] for x in s[2:]],
                         [{"cancelled": True}, {"cancelled": False}, {"error": err("cancelled")},
                          {}, {"value": 1000}])
        self.assertEqual(s[2]["states"], ["RUNNING", "CANCELLED"])
        # blocked lists the tasks blocked now: t0 left it when its gate opened
        self.assertEqual((s[-1]["started"], s[-1]["blocked"], s[-1]["finished"]), ([0], [], [0]))

    def test_wait_partitions(self):
        o = self.obs(sc([gated(), submit(), wait([0, 1], "FIRST_COMPLETED"),
                         wait([0, 1], "ALL_COMPLETED"), wait([0, 1], "ALL_COMPLETED", 0),
                         wait([0, 1], "FIRST_EXCEPTION", "short"), wait([0, 1], "FIRST_EXCEPTION"),
                         submit("raise"), wait([0, 2], "FIRST_EXCEPTION"), wait([], "ALL_COMPLETED"),
                         {"op": "open", "gate": 0}, wait([1, 0], "ALL_COMPLETED")], workers=2))
        nd = {"done": [1], "not_done": [0]}
        self.assertEqual(o[2:], [nd, {"skipped": "blocks"}, nd, nd, {"skipped": "blocks"},
                                 {"future": 2}, {"done": [2], "not_done": [0]},
                                 {"done": [], "not_done": []}, {}, {"done": [0, 1], "not_done": []}])

    def test_as_completed(self):
        o = self.obs(sc([gated(), submit(), {"op": "as_completed", "futures": [0, 1], "timeout": "short"},
                         {"op": "as_completed", "futures": [0, 1], "timeout": None},
                         {"op": "as_completed", "futures": [1], "timeout": None}], workers=2))
        self.assertEqual(o[2:], [{"yielded": [1], "error": err("timeout", "1 (of 2) futures unfinished")},
                                 {"skipped": "blocks"}, {"yielded": [1], "error": None}])

    def test_callbacks(self):
        t = self.trace(sc([gated(), {"op": "callback", "future": 0, "raises": True},
                           {"op": "callback", "future": 0, "raises": False},
                           {"op": "open", "gate": 0}, submit(),
                           {"op": "callback", "future": 1, "raises": False}]))
        s = t["steps"]
        self.assertEqual(s[2]["callbacks"], [])
        self.assertEqual(s[3]["callbacks"], [[0, 0], [0, 1]])
        self.assertEqual(s[5]["callbacks"], [[0, 0], [0, 1], [1, 0]])
        self.assertEqual(s[1]["obs"], {})

    def test_callback_raising_on_done_future(self):
        o = self.obs(sc([submit(), {"op": "callback", "future": 0, "raises": True}]))
        if VERSION < (3, 7):
            self.assertEqual(o[1], {"error": err("raised", "callback raised")})
        else:
            self.assertEqual(o[1], {})

    def test_map_with_raising_item(self):
        o = self.obs(sc([map_(["return", "raise", "return"]), {"op": "map_next"}, {"op": "map_next"},
                         {"op": "map_next"}, {"op": "map_close"}, {"op": "map_next"},
                         {"op": "map_close"}], workers=2))
        self.assertEqual(o, [{}, {"value": 1000}, {"error": err("raised", "t1 raised")}, {"stop": True},
                             {}, {"skipped": "no iterator"}, {"skipped": "no iterator"}])

    def test_map_skip_and_timeout(self):
        t = self.trace(sc([map_([{"kind": "gated", "gate": 1}, "return"]), {"op": "map_next"},
                           {"op": "open", "gate": 1}, {"op": "map_next"}, {"op": "map_next"},
                           {"op": "map_next"}, map_([{"kind": "gated", "gate": 2}], timeout="short"),
                           {"op": "map_next"}, {"op": "map_next"}]))
        self.assertObs([s["obs"] for s in t["steps"]],
                         [{}, {"skipped": "blocks"}, {}, {"value": 1000}, {"value": 1001},
                          {"stop": True}, {}, {"error": err("timeout")}, {"stop": True}])
        self.assertEqual(t["steps"][-1]["started"], [0, 1, 2])

    def test_map_buffersize(self):
        o = self.obs(sc([map_(["return", "return"], buffersize=1), {"op": "map_next"}]))
        if VERSION >= (3, 14):
            self.assertEqual(o, [{}, {"value": 1000}])
        else:
            self.assertObs(o, [{"error": err("invalid")}, {"skipped": "no iterator"}])

    def test_shutdown_cancel_futures(self):
        t = self.trace(sc([gated(), submit(), submit(),
                           {"op": "shutdown", "wait": False, "cancel_futures": True}, submit(),
                           {"op": "open", "gate": 0}, result(0)]))
        s = t["steps"]
        if VERSION < (3, 9):
            self.assertObs(s[3]["obs"], {"error": err("invalid")})
            return
        self.assertEqual(s[3]["obs"], {})
        self.assertEqual(s[3]["states"], ["RUNNING", "CANCELLED", "CANCELLED"])
        self.assertObs(s[4]["obs"], {"error": err("shutdown")})
        self.assertEqual(s[6]["obs"], {"value": 1000})
        self.assertEqual(s[6]["started"], [0])

    def test_submit_after_shutdown_keeps_numbering(self):
        o = self.obs(sc([{"op": "shutdown", "wait": False, "cancel_futures": False}, submit(),
                         map_(["return"]), {"op": "map_next"}]))
        self.assertObs(o, [{}, {"error": err("shutdown")}, {"error": err("shutdown")},
                           {"skipped": "no iterator"}])

    def test_spawn_and_join(self):
        o = self.obs(sc([gated(), {"op": "spawn", "call": {"op": "result", "future": 0}},
                         {"op": "spawn", "call": {"op": "as_completed", "futures": [0]}},
                         {"op": "join"}, {"op": "open", "gate": 0}, {"op": "join"}, {"op": "join"},
                         {"op": "join"}]))
        self.assertEqual(o, [{"future": 0}, {}, {}, {"blocked": True}, {},
                             {"call": "result", "outcome": {"value": 1000}},
                             {"call": "as_completed", "outcome": {"yielded": [0], "error": None}},
                             {"skipped": "no thread"}])

    def test_shutdown_wait_join(self):
        o = self.obs(sc([gated(), submit(), {"op": "shutdown", "wait": True, "cancel_futures": False},
                         {"op": "join"}, {"op": "open", "gate": 0}, {"op": "join"}, result(1)]))
        self.assertEqual(o, [{"future": 0}, {"future": 1}, {}, {"blocked": True}, {},
                             {"call": "shutdown", "outcome": {}}, {"value": 1001}])

    def test_spawn_wait(self):
        o = self.obs(sc([gated(), submit(),
                         {"op": "spawn", "call": {"op": "wait", "futures": [0, 1], "return_when": "ALL_COMPLETED"}},
                         {"op": "join"}, {"op": "open", "gate": 0}, {"op": "join"}], workers=2))
        self.assertEqual(o[3:], [{"blocked": True}, {},
                                 {"call": "wait", "outcome": {"done": [0, 1], "not_done": []}}])

    def test_initializer(self):
        t = self.traces([sc([submit(), result(0)], initializer="ok"),
                         sc([submit(), result(0), submit()], initializer="fails")])
        if VERSION < (3, 7):
            for x in t:
                self.assertEqual(x["steps"], [])
                self.assertEqual(x["create"]["error"]["kind"], "invalid")
            return
        self.assertEqual(t[0]["steps"][1]["obs"], {"value": 1000})
        s = t[1]["steps"]
        self.assertEqual(s[0]["states"], ["FINISHED"])
        self.assertEqual(s[0]["started"], [])
        self.assertObs([x["obs"] for x in s], [{"future": 0}, {"error": err("broken")}, {"error": err("broken")}])

    def test_create_error(self):
        t = self.traces([sc([submit()])], executor="broken_executors:refuses")[0]
        self.assertEqual(t["create"], {"error": {"kind": "invalid", "message": "refusing to start"}})
        self.assertEqual(t["steps"], [])
        self.assertNotIn("teardown", t)

    def test_batch_and_blank_lines(self):
        code, out, errout = run(["--executor", TPE, "-"],
                                "\n" + json.dumps(sc([submit()], id="a")) + "\n\n"
                                + json.dumps(sc([], id="b")) + "\n")
        self.assertEqual((code, errout), (0, ""))
        self.assertEqual([json.loads(x)["id"] for x in out.splitlines()], ["a", "b"])

    # -- broken executors ---------------------------------------------------------------------

    def test_broken_executors_differ(self):
        cancel = sc([gated(), submit(), {"op": "cancel", "future": 1}, {"op": "open", "gate": 0}])
        real = self.trace(cancel)
        bad = self.trace(cancel, executor="broken_executors:NoCancelWhilePending")
        self.assertEqual(real["steps"][2]["obs"], {"cancelled": True})
        self.assertEqual(bad["steps"][2]["obs"], {"cancelled": False})
        self.assertNotEqual(real["steps"], bad["steps"])
        if VERSION >= (3, 9):
            shut = sc([gated(), submit(), {"op": "shutdown", "wait": False, "cancel_futures": True},
                       {"op": "open", "gate": 0}])
            real = self.trace(shut)
            bad = self.trace(shut, executor="broken_executors:IgnoresCancelFutures")
            self.assertEqual(real["steps"][3]["states"], ["FINISHED", "CANCELLED"])
            self.assertEqual(bad["steps"][3]["states"], ["FINISHED", "FINISHED"])
        two = sc([gated(0), gated(1)], workers=2, patience=0.3)
        real = self.trace(two)
        bad = self.trace(two, executor="broken_executors:IgnoresMaxWorkers")
        self.assertEqual(real["steps"][1]["states"], ["RUNNING", "RUNNING"])
        self.assertEqual(bad["steps"][1]["states"], ["RUNNING", "PENDING"])

    def test_hang_aborts(self):
        # NoCancelWhilePending leaves the queued item of the map pending after shutdown(cancel_futures):
        # map_next is issued (the spec says it is resolved) and hangs.
        if VERSION < (3, 9):
            self.skipTest("needs cancel_futures")
        s = sc([gated(), map_(["return"]), {"op": "shutdown", "wait": False, "cancel_futures": True},
                {"op": "map_next"}, {"op": "open", "gate": 0}], patience=0.3)
        real = self.trace(s)
        self.assertObs(real["steps"][3]["obs"], {"error": err("cancelled")})
        bad = self.traces([s], executor="broken_executors:NoCancelWhilePending")[0]
        self.assertEqual(bad["steps"][3]["obs"], {"hang": True})
        self.assertEqual(len(bad["steps"]), 4)
        self.assertEqual(bad["aborted"], "hang at step 4")
        self.assertEqual(bad["teardown"], {"ok": True})

    # -- isolated -----------------------------------------------------------------------------

    def test_isolated_process_pool(self):
        t = self.traces([sc([submit(), submit("raise"), result(0), result(1), map_(["return", "panic"]),
                             {"op": "map_next"}, {"op": "map_next"}, {"op": "callback", "future": 0, "raises": False},
                             wait([0, 1], "ALL_COMPLETED")], workers=2),
                         sc([gated()])], executor=PPE, isolated=True)
        s = t[0]["steps"]
        self.assertEqual(t[0]["aborted"], None)
        self.assertEqual([x["obs"] for x in s],
                         [{"future": 0}, {"future": 1}, {"value": 1000},
                          {"error": err("raised", "t1 raised")}, {}, {"value": 1002},
                          {"error": err("panicked", "t3 panicked")}, {}, {"done": [0, 1], "not_done": []}])
        for x in s:
            self.assertEqual((x["started"], x["blocked"], x["finished"], x["threads"]), ([], [], [], {}))
        self.assertEqual(s[-1]["callbacks"], [[0, 0]])
        self.assertEqual(t[1]["aborted"], "gated tasks need a thread executor")
        self.assertEqual(t[1]["steps"], [])

    # -- bad input and probes -----------------------------------------------------------------

    def assertBad(self, args, stdin="", contains=None, out_lines=0):
        code, out, errout = run(args, stdin)
        self.assertEqual(code, 2, errout)
        self.assertEqual(len(out.splitlines()), out_lines)
        self.assertNotIn("Traceback", errout)
        self.assertEqual(len(errout.splitlines()), 1, errout)
        self.assertTrue(errout.startswith("error: "), errout)
        if contains:
            self.assertIn(contains, errout)

    def test_bad_input(self):
        good = json.dumps(sc([submit()])) + "\n"
        ex = ["--executor", TPE]
        self.assertBad(ex, good + "{not json\n", "line 2", out_lines=1)
        self.assertBad(ex, json.dumps({"id": 1}) + "\n", "workers")
        self.assertBad(ex, json.dumps(sc([submit()], workers="2")) + "\n", "workers")
        self.assertBad(ex, json.dumps(sc([submit()], workers=0)) + "\n", "workers")
        self.assertBad(ex, json.dumps(sc([{"op": "frobnicate"}])) + "\n", "frobnicate")
        self.assertBad(ex, json.dumps(sc([{"op": "result", "future": 0, "timeout": None}])) + "\n", "future")
        self.assertBad(ex, json.dumps(sc([{"op": "submit", "task": {"kind": "gated", "gate": 9}}])) + "\n", "gate")
        self.assertBad(ex, json.dumps(sc([{"op": "shutdown", "wait": 1, "cancel_futures": False}])) + "\n")
        self.assertBad(ex, "[1, 2]\n")
        self.assertBad(["--executor", "no_such_module_xyz:X"], good, "no_such_module_xyz")
        self.assertBad(["--executor", "concurrent.futures:NoSuchThing"], good, "NoSuchThing")
        self.assertBad(["--executor", "concurrent.futures"], good)
        self.assertBad(["--executor", "concurrent.futures:Future"], good)
        self.assertBad(["--executor", "broken_executors:not_an_executor"], good, "not an Executor")
        self.assertBad(["--executor", TPE, "--frobnicate"], good)
        self.assertBad([], good)
        self.assertBad(["--executor", TPE, "/no/such/file.jsonl"], "", "/no/such/file.jsonl")

    def test_probes(self):
        code, out, errout = run(["--probes"])
        self.assertEqual((code, errout), (0, ""))
        p = json.loads(out)
        self.assertEqual(tuple(int(x) for x in p["version"].split(".")[:2]), VERSION)
        self.assertEqual(p["implementation"], "CPython")
        self.assertEqual(p["timeout_error_is_builtin"], VERSION >= (3, 11))
        self.assertEqual(p["has_cancel_futures"], VERSION >= (3, 9))
        self.assertEqual(p["has_initializer"], VERSION >= (3, 7))
        self.assertEqual(p["has_buffersize"], VERSION >= (3, 14))
        self.assertEqual(p["idle_reuse"], 1 if VERSION >= (3, 8) else 4)
        self.assertIsInstance(p["default_max_workers"], int)
        self.assertIsInstance(p["cpu_count"], int)
        self.assertEqual(len(p["falsy_exception_result"]), 1)


if __name__ == "__main__":
    unittest.main()
