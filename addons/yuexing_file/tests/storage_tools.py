"""A local S3-compatible server for the tests: moto's ThreadedMotoServer
on a free port (the real S3 wire protocol; boto3 talks HTTP to it)."""
import os
import socket
import tempfile
import uuid
from contextlib import contextmanager
from unittest import mock


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class S3Server:
    "moto's server with one bucket; env() is what the storage layer reads."

    def start(self):
        import boto3
        from moto.server import ThreadedMotoServer
        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address='127.0.0.1',
            port=self.port, verbose=False)
        self.server.start()
        self.bucket = f'yuexing-{uuid.uuid4().hex[:8]}'
        self.endpoint = f'http://127.0.0.1:{self.port}'
        self.client = boto3.client('s3', endpoint_url=self.endpoint,
            region_name='us-east-1', aws_access_key_id='test',
            aws_secret_access_key='test')
        self.client.create_bucket(Bucket=self.bucket)
        return self

    def stop(self):
        self.server.stop()

    def env(self):
        return {
            'YUEXING_FILE_STORAGE': 's3',
            'YUEXING_S3_ENDPOINT': self.endpoint,
            'YUEXING_S3_BUCKET': self.bucket,
            'YUEXING_S3_ACCESS_KEY_ID': 'test',
            'YUEXING_S3_SECRET_ACCESS_KEY': 'test',
            'YUEXING_S3_REGION': 'us-east-1',
            'YUEXING_S3_PREFIX': 'yuexing',
            'YUEXING_S3_ADDRESSING': 'path',
            }

    def head(self, key):
        return self.client.head_object(Bucket=self.bucket,
            Key=f'yuexing/{key}')


def local_env():
    folder = tempfile.mkdtemp(prefix='yx-files-')
    return {'YUEXING_FILE_STORAGE': 'local', 'YUEXING_FILE_PATH': folder}


@contextmanager
def storage_env(values):
    with mock.patch.dict(os.environ, values):
        yield
