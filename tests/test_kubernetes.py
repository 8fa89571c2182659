"""The Kubernetes manifests (deploy/kubernetes) are valid against the
Kubernetes API schemas (strict: an unknown field is an error), the
kustomization lists every manifest, and the topology mirrors the compose
file: the same roles, probes on the health endpoints, one cron."""
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / 'deploy' / 'kubernetes'
KUBERNETES_VERSION = '1.30.0'


def documents():
    for path in sorted(MANIFESTS.glob('*.yaml')):
        if path.name == 'kustomization.yaml':
            continue
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path.name, document


class KubernetesTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.documents = list(documents())
        cls.by_name = {(d['kind'], d['metadata']['name']): d
            for _, d in cls.documents}

    def test_schemas(self):
        import kubernetes_validate
        for file, document in self.documents:
            with self.subTest(file=file, kind=document['kind'],
                    name=document['metadata']['name']):
                kubernetes_validate.validate(
                    document, KUBERNETES_VERSION, strict=True)

    def test_kustomization_lists_every_manifest(self):
        kustomization = yaml.safe_load(
            (MANIFESTS / 'kustomization.yaml').read_text())
        files = {p.name for p in MANIFESTS.glob('*.yaml')} - {
            'kustomization.yaml'}
        self.assertEqual(set(kustomization['resources']), files)

    def test_mirrors_compose(self):
        compose = yaml.safe_load((ROOT / 'docker-compose.yml').read_text())
        roles = {name for name, service in compose['services'].items()
            if service.get('command', [''])[0] in {'server', 'worker', 'cron'}}
        deployments = {name for kind, name in self.by_name
            if kind == 'Deployment'}
        # compose's "trytond" is the server role here too
        self.assertLessEqual(roles, deployments)
        for name in roles - {'trytond', 'cron'}:
            with self.subTest(worker=name):
                compose_args = compose['services'][name]['command']
                container = self.by_name['Deployment', name][
                    'spec']['template']['spec']['containers'][0]
                self.assertEqual(container['args'], compose_args)

    def test_probes_and_single_cron(self):
        trytond = self.by_name['Deployment', 'trytond']['spec']['template'][
            'spec']['containers'][0]
        self.assertEqual(trytond['readinessProbe']['httpGet']['path'],
            '/yuexing/readyz')
        self.assertEqual(trytond['livenessProbe']['httpGet']['path'],
            '/healthz')
        cron = self.by_name['Deployment', 'cron']['spec']
        self.assertEqual(cron['replicas'], 1)
        self.assertEqual(cron['strategy']['type'], 'Recreate')
        self.assertEqual(
            self.by_name['HorizontalPodAutoscaler', 'trytond']['spec'][
                'minReplicas'], 2)


if __name__ == '__main__':
    unittest.main()
