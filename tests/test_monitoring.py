"""Prometheus and Grafana files of the compose topology: the scrape and
rule files hang together, every metric an alert or a dashboard panel uses
is one the platform exports, and the dashboard is in Grafana's file
provisioning format with Chinese titles and legends."""
import json
import re
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / 'docker'
METRIC = re.compile(r'\b(yuexing_[a-z0-9_]+)\b')
SUFFIXES = ('_total', '_bucket', '_sum', '_count', '_created')
CJK = re.compile(r'[\u4e00-\u9fff]')


def exported_metrics():
    "The metric names defined in the code (string literals)."
    sources = [*(ROOT / 'addons' / 'yuexing_ops').glob('*.py'),
        ROOT / 'addons' / 'yuexing_nc_connector' / 'ops.py',
        ROOT / 'addons' / 'yuexing_payment' / 'routes.py']
    names = set()
    for path in sources:
        text = path.read_text()
        # Counter('name', ...), GaugeMetricFamily('name', ...) and the
        # ('name', help, labels, values) tuples of ops_gauges()
        names |= set(re.findall(r"(?:Counter|Gauge|Histogram|"
                r"GaugeMetricFamily)\(\s*'(yuexing_[a-z0-9_]+)'", text))
        names |= set(re.findall(r"\(\s*'(yuexing_[a-z0-9_]+)',\s*\n?\s*\"",
                text))
    return names


def base_name(name):
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


class MonitoringTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.compose = yaml.safe_load((ROOT / 'docker-compose.yml').read_text())
        cls.prometheus = yaml.safe_load(
            (DOCKER / 'prometheus' / 'prometheus.yml').read_text())
        cls.rules = yaml.safe_load(
            (DOCKER / 'prometheus' / 'alerts.yml').read_text())
        cls.dashboard = json.loads((DOCKER / 'grafana' / 'dashboards'
                / 'yuexing-platform.json').read_text())
        cls.exported = exported_metrics()

    def assert_known(self, expression):
        for name in METRIC.findall(expression):
            self.assertIn(base_name(name), self.exported,
                f"{name} in {expression!r} is not exported")
        self.assertEqual(expression.count('('), expression.count(')'))

    def test_scrape_configuration(self):
        job, = [j for j in self.prometheus['scrape_configs']
            if j['job_name'] == 'trytond']
        self.assertEqual(job['metrics_path'], '/metrics')
        sd, = job['dns_sd_configs']
        # the compose service name, its port
        self.assertEqual(sd['names'], ['trytond'])
        self.assertIn('trytond', self.compose['services'])
        self.assertEqual(sd['port'], 8000)
        self.assertEqual(self.prometheus['rule_files'],
            ['/etc/prometheus/alerts.yml'])
        mounts = self.compose['services']['prometheus']['volumes']
        self.assertIn('./docker/prometheus:/etc/prometheus:ro', mounts)

    def test_alert_rules(self):
        alerts = {rule['alert']: rule
            for group in self.rules['groups'] for rule in group['rules']}
        self.assertLessEqual({'NCBacklogGrowing', 'QueueStuck',
                'CronNotRunning', 'HighServerErrorRate'}, set(alerts))
        for name, rule in alerts.items():
            with self.subTest(alert=name):
                self.assert_known(rule['expr'])
                self.assertIn(rule['labels']['severity'],
                    {'warning', 'critical'})
                self.assertRegex(rule['for'], r'^\d+[smh]$')
                self.assertRegex(rule['annotations']['summary'], CJK)

    def test_dashboard_provisioning(self):
        datasources = yaml.safe_load((DOCKER / 'grafana' / 'provisioning'
                / 'datasources' / 'prometheus.yml').read_text())
        self.assertEqual(datasources['apiVersion'], 1)
        source, = datasources['datasources']
        self.assertEqual(source['type'], 'prometheus')
        self.assertEqual(source['url'], 'http://prometheus:9090')
        providers = yaml.safe_load((DOCKER / 'grafana' / 'provisioning'
                / 'dashboards' / 'yuexing.yml').read_text())
        provider, = providers['providers']
        self.assertEqual(provider['type'], 'file')
        mounts = self.compose['services']['grafana']['volumes']
        self.assertIn(
            f"./docker/grafana/dashboards:{provider['options']['path']}:ro",
            mounts)

        dashboard = self.dashboard
        self.assertTrue(dashboard['uid'])
        self.assertRegex(dashboard['title'], CJK)
        self.assertIsInstance(dashboard['schemaVersion'], int)
        ids = [panel['id'] for panel in dashboard['panels']]
        self.assertEqual(len(ids), len(set(ids)))
        covered = set()
        for panel in dashboard['panels']:
            with self.subTest(panel=panel['title']):
                self.assertRegex(panel['title'], CJK)
                self.assertEqual(panel['datasource']['uid'], source['uid'])
                self.assertEqual(set(panel['gridPos']), {'h', 'w', 'x', 'y'})
                for target in panel['targets']:
                    self.assert_known(target['expr'])
                    covered |= {base_name(n)
                        for n in METRIC.findall(target['expr'])}
        # every exported metric is on the dashboard
        self.assertEqual(self.exported - covered, set())


if __name__ == '__main__':
    unittest.main()
