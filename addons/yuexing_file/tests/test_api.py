"""The file centre's API: tus 1.0 resumable uploads (through the WSGI app,
and with the tuspy client on a real server on PostgreSQL), expiring share
links and the B端 portal's shared documents."""
import base64
import datetime as dt
import io
import os
import shutil
import threading
import unittest

from trytond.modules.company.tests import set_company
from trytond.modules.yuexing_base.tests.api_tools import ApiTestCase
from trytond.modules.yuexing_base.tests.tools import (
    create_customer,
    create_user,
    setup_company,
)
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME

from .. import samples
from .storage_tools import local_env, storage_env

TUS = {'Tus-Resumable': '1.0.0'}


def metadata(**values):
    return ','.join(f'{k} {base64.b64encode(v.encode()).decode()}'
        for k, v in values.items())


class FileApiTestCase(ApiTestCase):
    module = 'yuexing_file'

    @classmethod
    def setUpClass(cls):
        cls.env = local_env()
        cls._env = storage_env(cls.env)
        cls._env.__enter__()
        cls.addClassCleanup(cls._env.__exit__, None, None, None)
        cls.addClassCleanup(shutil.rmtree, cls.env['YUEXING_FILE_PATH'])
        super().setUpClass()

    @classmethod
    def setUpApiData(cls):
        pool = Pool()
        Document = pool.get('yuexing.file.document')
        Category = pool.get('yuexing.file.category')
        setup_company()
        company = pool.get('company.company').search([])[0]
        with set_company(company):
            park = create_customer('星河园区物业', '13900139001',
                customer_type='enterprise')
            other = create_customer('云海科技园', '13900139002',
                customer_type='enterprise')
            cls.pm = create_user('file_pm', ['group_project_manager'],
                company=company).id
            cls.warehouse = create_user('file_wh', ['group_warehouse'],
                company=company).id
            cls.park_user = create_user('file_park', ['group_b2b_customer'],
                company=company, customer=park.id).id
            cls.other_user = create_user('file_other',
                ['group_b2b_customer'], company=company,
                customer=other.id).id
            cls.park_id = park.id
            drawing, = Document.create([{'name': '园区屋面图纸',
                        'category': Category.get_by_code('drawing').id}])
            Document.add_version(drawing, 'roof.pdf', samples.pdf())
            cls.drawing = drawing.id

    def upload(self, token, data, chunks=2, **meta):
        "POST + PATCHes; returns (location path, last response)."
        response = self.api('POST', '/files/uploads', token=token,
            headers={**TUS, 'Upload-Length': str(len(data)),
                'Upload-Metadata': metadata(**meta)})
        self.assertEqual(response.status, 201, response)
        path = self.path_of(response)
        size = -(-len(data) // chunks)
        offset = 0
        while offset < len(data):
            chunk = data[offset:offset + size]
            response = self.patch(path, token, offset, chunk)
            if response.status != 204:
                return path, response
            offset += len(chunk)
        return path, response

    def path_of(self, response):
        location = response.headers['Location']
        return location.split('/api/v1', 1)[1]

    def patch(self, path, token, offset, chunk, **headers):
        return self.api('PATCH', path, token=token, data=chunk,
            content_type='application/offset+octet-stream',
            headers={**TUS, 'Upload-Offset': str(offset), **headers})

    def test_tus_protocol_resume_and_refusals(self):
        token = self.login_as(self.pm, 'staff')
        # discovery
        response = self.api('OPTIONS', '/files/uploads', check=False)
        headers = response.headers
        self.assertEqual(headers['Tus-Version'], '1.0.0')
        self.assertIn('creation', headers['Tus-Extension'])
        # no Tus-Resumable: 412
        response = self.api('POST', '/files/uploads', token=token,
            headers={'Upload-Length': '10'})
        self.assertError(response, 412, 'tus_version')
        # a video in two chunks, with a resume in between
        video = samples.mp4(64 * 1024)
        response = self.api('POST', '/files/uploads', token=token,
            headers={**TUS, 'Upload-Length': str(len(video)),
                'Upload-Metadata': metadata(filename='渗漏点.mp4',
                    category='site_video')})
        self.assertEqual(response.status, 201, response)
        self.assertIn('Upload-Expires', response.headers)
        path = self.path_of(response)
        half = len(video) // 2
        self.assertEqual(self.patch(path, token, 0, video[:half]).status, 204)
        # the connection dropped: a stale offset is refused with the real one
        response = self.patch(path, token, 0, video[:half])
        self.assertError(response, 409, 'offset_mismatch')
        self.assertEqual(response.headers['Upload-Offset'],
            str(half))
        response = self.api('HEAD', path, token=token, headers=TUS)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers['Upload-Offset'],
            str(half))
        response = self.api('PATCH', path, token=token, data=video[half:],
            content_type='text/plain', headers={**TUS,
                'Upload-Offset': str(half)})
        self.assertError(response, 415, 'content_type')
        response = self.patch(path, token, half, video[half:])
        self.assertEqual(response.status, 204, response)
        self.assertEqual(response.headers['Upload-Offset'],
            str(len(video)))
        document_id = int(response.headers['X-File-Document'])
        with self.db() as pool:
            document = pool.get('yuexing.file.document')(document_id)
            self.assertEqual(document.name, '渗漏点.mp4')
            self.assertEqual(document.current.content(), video)
            self.assertEqual(document.media_type, 'video/mp4')
            upload = pool.get('yuexing.file.upload').search(
                [('version.document', '=', document_id)])[0]
            self.assertEqual(upload.state, 'done')
            self.assertFalse(os.path.exists(os.path.join(
                        self.env['YUEXING_FILE_PATH'], 'uploads',
                        upload.uid)) and os.listdir(os.path.join(
                        self.env['YUEXING_FILE_PATH'], 'uploads',
                        upload.uid)))

        # a new version of the drawing through tus
        _, response = self.upload(token, samples.pdf('Revised roof'),
            filename='roof-v2.pdf', document=str(self.drawing))
        self.assertEqual(response.status, 204, response)
        self.assertEqual(response.headers['X-File-Version'], '2')

        # refused by content: text sent as a video
        _, response = self.upload(token, b'not a video at all' * 10,
            filename='x.mp4', category='site_video')
        self.assertError(response, 422, text='x.mp4')
        # too big for the category
        response = self.api('POST', '/files/uploads', token=token,
            headers={**TUS, 'Upload-Length': str(30 * 1024 * 1024),
                'Upload-Metadata': metadata(filename='big.jpg',
                    category='site_photo')})
        self.assertError(response, 422)
        # unknown category; other users' uploads are not found
        response = self.api('POST', '/files/uploads', token=token,
            headers={**TUS, 'Upload-Length': '3',
                'Upload-Metadata': metadata(filename='a', category='nope')})
        self.assertError(response, 422, 'category_unknown')
        other = self.login_as(self.warehouse, 'staff')
        # (a HEAD answer has no body to check against the document)
        response = self.api('HEAD', path, token=other, headers=TUS,
            check=False)
        self.assertEqual(response.status, 404)
        # a warehouse keeper does not manage drawings
        response = self.api('POST', '/files/uploads', token=other,
            headers={**TUS, 'Upload-Length': '3',
                'Upload-Metadata': metadata(filename='a.pdf',
                    category='drawing')})
        self.assertError(response, 403)

    def test_expired_upload_is_gone(self):
        token = self.login_as(self.pm, 'staff')
        response = self.api('POST', '/files/uploads', token=token,
            headers={**TUS, 'Upload-Length': '100',
                'Upload-Metadata': metadata(filename='p.jpg',
                    category='site_photo')})
        path = self.path_of(response)
        with self.db() as pool:
            Upload = pool.get('yuexing.file.upload')
            upload, = Upload.search([('uid', '=', path.rsplit('/', 1)[1])])
            Upload.write([upload], {
                    'expires': dt.datetime.now() - dt.timedelta(hours=1)})
            self.assertEqual(Upload.expire(), [upload])
        response = self.patch(path, token, 0, b'x' * 10)
        self.assertError(response, 410, 'upload_expired')

    def test_share_link_and_portal(self):
        with self.db() as pool:
            Share = pool.get('yuexing.file.share')
            link, company = Share.create([
                    {'document': self.drawing, 'kind': 'link'},
                    {'document': self.drawing, 'kind': 'company',
                        'party': self.park_id,
                        'expires': dt.datetime.now() + dt.timedelta(days=3)},
                    ])
            url = link.url
            token = link.token
        prefix = f'http://127.0.0.1:8000/{DB_NAME}/api/v1'
        self.assertTrue(url.startswith(prefix), url)
        response = self.api('GET', url[len(prefix):], check=False)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.raw.data[:5], b'%PDF-')
        # a forged or tampered token opens nothing
        share_id, expires, signature = token.split('.')
        for forged in [f'{share_id}.{int(expires) + 3600}.{signature}',
                f'{share_id}.{expires}.{"0" * 64}', 'garbage']:
            response = self.api('GET', f'/files/shared/{forged}')
            self.assertError(response, 404, 'share_invalid')
        with self.db() as pool:
            Share = pool.get('yuexing.file.share')
            Share.revoke([Share(link.id)])
        response = self.api('GET', url[len(prefix):])
        self.assertError(response, 404, 'share_invalid')

        # the park's portal user lists and downloads what is shared
        portal = self.login_as(self.park_user, 'portal')
        response = self.api('GET', '/files/documents', token=portal)
        self.assertEqual(response.status, 200, response)
        self.assertEqual([d['id'] for d in response.json['items']],
            [self.drawing])
        response = self.api('GET',
            f'/files/documents/{self.drawing}/download', token=portal,
            check=False)
        self.assertEqual(response.status, 200)
        self.assertEqual(response.raw.data[:5], b'%PDF-')
        # another company sees nothing
        other = self.login_as(self.other_user, 'portal')
        response = self.api('GET', '/files/documents', token=other)
        self.assertEqual(response.json['items'], [])
        response = self.api('GET',
            f'/files/documents/{self.drawing}/download', token=other)
        self.assertError(response, 404)
        with self.db() as pool:
            Log = pool.get('yuexing.audit.log')
            self.assertEqual(len(Log.search([
                            ('action', '=', 'download'),
                            ('model', '=', 'yuexing.file.version')])), 2)

    @unittest.skipIf(os.environ.get('YUEXING_TEST_BACKEND') != 'postgresql',
        "tuspy needs a real HTTP server; the SQLite test database is in "
        "memory and per thread (the protocol is tested above on both)")
    def test_tuspy_client_resumes_after_dropped_connection(self):
        from tusclient import client as tus_client
        from tusclient.exceptions import TusCommunicationError
        from werkzeug.serving import make_server

        from trytond.wsgi import app
        server = make_server('127.0.0.1', 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            base = f'http://127.0.0.1:{server.server_port}/{DB_NAME}/api/v1'
            token = self.login_as(self.pm, 'staff')
            video = samples.mp4(96 * 1024)
            client = tus_client.TusClient(f'{base}/files/uploads',
                headers={'Authorization': f'Bearer {token}'})
            uploader = client.uploader(
                file_stream=io.BytesIO(video),
                chunk_size=32 * 1024, metadata={'filename': '工地视频.mp4',
                    'category': 'site_video'}, retries=0)
            uploader.upload(stop_at=32 * 1024)
            url = uploader.url
            # the connection drops: the server is unreachable for a while
            server.shutdown()
            thread.join()
            # the client asks the offset (HEAD) as soon as it is built
            with self.assertRaises(TusCommunicationError):
                tus_client.TusClient(f'{base}/files/uploads',
                    headers={'Authorization': f'Bearer {token}'}).uploader(
                    file_stream=io.BytesIO(video),
                    chunk_size=32 * 1024, url=url, retries=0).upload()
        finally:
            server.server_close()
        # back online: a new client asks the offset (HEAD) and resumes
        server = make_server('127.0.0.1', server.server_port, app,
            threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            resumed = client.uploader(
                file_stream=io.BytesIO(video),
                chunk_size=32 * 1024, url=url)
            self.assertEqual(resumed.offset, 32 * 1024)
            resumed.upload()
            self.assertEqual(resumed.offset, len(video))
        finally:
            server.shutdown()
            thread.join()
            server.server_close()
        with self.db() as pool:
            Upload = pool.get('yuexing.file.upload')
            upload, = Upload.search([('uid', '=', url.rsplit('/', 1)[1])])
            self.assertEqual(upload.state, 'done')
            self.assertEqual(upload.version.content(), video)
