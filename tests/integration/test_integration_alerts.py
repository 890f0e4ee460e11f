"""The alert rules shipped in the PrometheusRule, checked by Prometheus's own tools.

spec.groups of container/overlays/prometheus-operator/prometheusrule.yaml is
a Prometheus rule file; `promtool check rules` must accept it, and
`promtool test rules` runs tests/integration/data/alerts_test.yaml against
it: each alert fires for the series it is about, with the labels and
texts a user sees, and stays quiet otherwise. Every metric an alert reads
must be one pca-issuer exports (its README's metrics table names them).
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

SRC = os.environ.get("PCA_SOURCE_DIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
RULE = os.path.join(SRC, "container", "overlays", "prometheus-operator", "prometheusrule.yaml")
TESTS = os.path.join(os.path.dirname(__file__), "data", "alerts_test.yaml")


def write_rules(dest):
    with open(RULE) as f:
        doc = yaml.safe_load(f)
    path = os.path.join(dest, "rules.yaml")
    with open(path, "w") as f:
        yaml.safe_dump({"groups": doc["spec"]["groups"]}, f, sort_keys=False)
    return path


class Alerts(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pca-alerts-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.rules = write_rules(self.dir)

    def promtool(self, *args):
        return subprocess.run(["promtool"] + list(args), capture_output=True, text=True,
                              timeout=60, cwd=self.dir)

    def test_rules_are_valid(self):
        p = self.promtool("check", "rules", self.rules)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SUCCESS: 3 rules found", p.stdout)

    def test_alerts_fire_as_documented(self):
        shutil.copy(TESTS, os.path.join(self.dir, "alerts_test.yaml"))
        p = self.promtool("test", "rules", "alerts_test.yaml")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_alerts_read_metrics_the_readme_documents(self):
        with open(self.rules) as f:
            exprs = [r["expr"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
        with open(os.path.join(SRC, "README.md")) as f:
            readme = f.read()
        for expr in exprs:
            for name in re.findall(r"\bpca_issuer_[a-z_]+", expr):
                self.assertTrue("`%s" % name in readme, "%s is not in the README" % name)


if __name__ == "__main__":
    unittest.main()
