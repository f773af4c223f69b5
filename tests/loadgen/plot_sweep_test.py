# loadgen/plot_sweep.py: the bench's rate sweep drawn as SVG, one line per
# server in each panel, medians of the rounds, other scenarios ignored.

import json
import os
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

PLOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "loadgen", "plot_sweep.py")
SVG = "{http://www.w3.org/2000/svg}"


def run_json(directory, name, label, rate, cpu_s, p99_us, index):
    path = os.path.join(directory, "%s.%s.%d.json" % (name, label, index))
    with open(path, "w") as f:
        json.dump({"scenario": name, "label": label, "window_s": 1.0, "server_cpu_s": cpu_s,
                   "options": {"rate": rate, "subscribers": 1000},
                   "latency_us": {"p99": p99_us}}, f)
    return path


class PlotSweepTest(unittest.TestCase):
    def plot(self, files, directory):
        out = os.path.join(directory, "sweep.svg")
        done = subprocess.run([sys.executable, PLOT, out] + files, capture_output=True, text=True)
        return done, out

    def test_one_line_per_server_per_panel_through_the_medians(self):
        with tempfile.TemporaryDirectory() as d:
            files = []
            for i, (rate, cpus) in enumerate([(500, (0.2, 0.9, 0.3)), (1000, (0.5, 0.5, 0.5)), (2000, (1.0, 1.0, 1.0))]):
                for k, cpu in enumerate(cpus):
                    files.append(run_json(d, "sweep-%d" % rate, "redis", rate, cpu, 1000 * (i + 1), 10 * i + k))
                    files.append(run_json(d, "sweep-%d" % rate, "ringcast", rate, cpu / 4, 500, 10 * i + k))
            files.append(run_json(d, "fanout-100", "redis", 0, 9.0, 1, 99))  # not part of the sweep
            done, out = self.plot(files, d)
            self.assertEqual(done.returncode, 0, done.stderr)
            root = ET.parse(out).getroot()
            lines = root.findall(SVG + "polyline")
            self.assertEqual(len(lines), 4, "two servers x two panels")
            # CPU panel, redis: the median of 0.2, 0.9, 0.3 is 30% of the 280-pixel panel below y=70+280.
            cpu_redis = lines[0].get("points").split()
            self.assertEqual(len(cpu_redis), 3, "one point per rate")
            self.assertEqual(cpu_redis[0].split(",")[1], "266.0")
            labels = [t.text for t in root.findall(SVG + "text")]
            self.assertIn("redis", labels)
            self.assertIn("ringcast", labels)

    def test_no_sweep_runs_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            done, out = self.plot([run_json(d, "fanout-100", "redis", 0, 1.0, 1, 0)], d)
            self.assertEqual(done.returncode, 2)
            self.assertIn("no sweep-* runs", done.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
