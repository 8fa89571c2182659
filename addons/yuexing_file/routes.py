"""JSON API of the file centre.

Resumable uploads speak tus 1.0 (https://tus.io/protocols/resumable-upload,
core + creation + expiration + termination) under ``/files/uploads``:

- ``OPTIONS /files/uploads``: Tus-Version, Tus-Extension, Tus-Max-Size;
- ``POST /files/uploads`` with ``Upload-Length`` and ``Upload-Metadata``
  (``filename``, ``category`` code, optional ``document`` id or
  ``resource`` ``model,id``): 201 and the ``Location`` of the upload;
- ``HEAD <location>``: ``Upload-Offset`` (where to resume);
- ``PATCH <location>`` with ``Upload-Offset`` and a body of type
  ``application/offset+octet-stream``: 204 and the new ``Upload-Offset``;
  409 when the offset is not the server's;
- ``DELETE <location>``: drops the upload.

Every request but OPTIONS carries ``Tus-Resumable: 1.0.0`` (412 otherwise).
Unfinished uploads expire (``Upload-Expires``) 24 hours after their last
chunk. Shared documents: ``GET /files/shared/<token>`` (the signed, expiring
link) and, for B端 portal users, ``/files/documents``."""
import base64
import binascii
import datetime as dt
import email.utils

from werkzeug.wrappers import Response as BaseResponse

from trytond.i18n import gettext
from trytond.modules.yuexing_base import api
from trytond.modules.yuexing_base.api import schema as s
from trytond.transaction import Transaction, without_check_access

TUS_VERSION = '1.0.0'
TUS_EXTENSIONS = 'creation,expiration,termination'
MAX_CHUNK = 16 * 1024 * 1024
TUS_HEADERS = {
    'Tus-Resumable': TUS_VERSION,
    'Tus-Version': TUS_VERSION,
    'Tus-Extension': TUS_EXTENSIONS,
    'Tus-Max-Size': str(2 * 1024 * 1024 * 1024),
    }
TAGS = ['文件中心']
UPLOADERS = ('staff', 'technician', 'portal')


def _error(status, name, headers=None, commit=False, **variables):
    headers = dict(headers or {})
    headers['Tus-Resumable'] = TUS_VERSION
    return api.ApiError(status, name,
        gettext(f'yuexing_file.msg_api_{name}', **variables),
        headers=headers, commit=commit)


def _check_version(call):
    if call.request.headers.get('Tus-Resumable') != TUS_VERSION:
        raise _error(412, 'tus_version', headers={
                'Tus-Version': TUS_VERSION}, version=TUS_VERSION)


def _integer_header(call, name):
    value = call.request.headers.get(name)
    if value is None or not value.isdigit() or len(value) > 15:
        raise _error(400, 'header_invalid', header=name)
    return int(value)


def _metadata(header):
    "tus Upload-Metadata: 'key base64,key base64'."
    values = {}
    for pair in filter(None, (p.strip() for p in (header or '').split(','))):
        key, _, encoded = pair.partition(' ')
        try:
            values[key] = base64.b64decode(
                encoded.strip(), validate=True).decode('utf-8')
        except (binascii.Error, UnicodeDecodeError):
            raise _error(400, 'header_invalid',
                header='Upload-Metadata') from None
    return values


def _http_date(value):
    return email.utils.format_datetime(
        value.replace(tzinfo=dt.UTC), usegmt=True)


def _location(call, upload):
    database = Transaction().database.name
    return (f'{call.request.host_url.rstrip("/")}/{database}/api/v1'
        f'/files/uploads/{upload.uid}')


def _upload_of(call, uid):
    Upload = call.pool.get('yuexing.file.upload')
    upload = Upload.find(uid, call.user)
    if upload is None:
        raise _error(404, 'upload_not_found')
    if upload.state == 'expired' or (upload.state == 'uploading'
            and upload.expires < dt.datetime.now()):
        raise _error(410, 'upload_expired')
    return upload


def _empty(status, headers):
    headers = dict(headers)
    headers['Tus-Resumable'] = TUS_VERSION
    headers['Cache-Control'] = 'no-store'
    return BaseResponse(None, status, headers=headers)


def _target(call, meta):
    "(category, document, resource) named by the metadata."
    pool = call.pool
    Category = pool.get('yuexing.file.category')
    Document = pool.get('yuexing.file.document')
    document = resource = category = None
    if meta.get('document'):
        if not meta['document'].isdigit():
            raise _error(400, 'header_invalid', header='Upload-Metadata')
        documents = Document.search([('id', '=', int(meta['document']))])
        if not documents:
            raise _error(404, 'document_not_found')
        document, = documents
        category = document.category
    else:
        with without_check_access():
            category = Category.get_by_code(meta.get('category') or '')
        if category is None:
            raise _error(422, 'category_unknown',
                code=meta.get('category') or '')
        if meta.get('resource'):
            model, _, rid = meta['resource'].partition(',')
            if model not in dict(Document.get_resources()) or (
                    not rid.isdigit()):
                raise _error(400, 'header_invalid', header='Upload-Metadata')
            Model = pool.get(model)
            records = Model.search([('id', '=', int(rid))])
            if not records:
                raise _error(404, 'resource_not_found')
            resource, = records
    return category, document, resource


@api.endpoint('POST', '/files/uploads', auth=UPLOADERS,
    summary="创建断点续传上传（tus 1.0）", tags=TAGS, status=201,
    rate_limit='upload', errors=(404, 410, 412, 413),
    description="tus 1.0 creation：请求头 Tus-Resumable: 1.0.0、"
    "Upload-Length（字节数）、Upload-Metadata（filename、category、可选 "
    "document 或 resource，值为 Base64）。成功返回 201 与 Location。")
def create_upload(call):
    _check_version(call)
    Upload = call.pool.get('yuexing.file.upload')
    if call.request.headers.get('Upload-Defer-Length'):
        raise _error(400, 'header_invalid', header='Upload-Defer-Length')
    length = _integer_header(call, 'Upload-Length')
    if length > int(TUS_HEADERS['Tus-Max-Size']):
        raise _error(413, 'upload_too_large', size=length)
    meta = _metadata(call.request.headers.get('Upload-Metadata'))
    name = (meta.get('filename') or meta.get('name') or '').strip()
    if not name:
        raise _error(400, 'filename_missing')
    category, document, resource = _target(call, meta)
    upload = Upload.begin(call.user, name, length, category,
        document=document, resource=resource,
        metadata=call.request.headers.get('Upload-Metadata'))
    return _empty(201, {
            'Location': _location(call, upload),
            'Upload-Expires': _http_date(upload.expires),
            'Upload-Offset': '0',
            })


create_upload.preflight_headers = TUS_HEADERS


@api.endpoint('HEAD', '/files/uploads/<uid>', auth=UPLOADERS,
    summary="查询上传进度（tus HEAD）", tags=TAGS, rate_limit='upload',
    errors=(410, 412),
    description="返回 Upload-Offset（已收到的字节数）与 Upload-Length，"
    "客户端从该位置续传。")
def upload_offset(call, uid):
    _check_version(call)
    upload = _upload_of(call, uid)
    headers = {'Upload-Offset': str(upload.offset),
        'Upload-Length': str(upload.length)}
    if upload.state == 'uploading':
        headers['Upload-Expires'] = _http_date(upload.expires)
    if upload.metadata:
        headers['Upload-Metadata'] = upload.metadata
    return _empty(200, headers)


upload_offset.preflight_headers = TUS_HEADERS


@api.endpoint('PATCH', '/files/uploads/<uid>', auth=UPLOADERS,
    summary="续传文件数据（tus PATCH）", tags=TAGS, status=204,
    rate_limit='upload', max_size=MAX_CHUNK + 1024,
    errors=(404, 409, 410, 412, 413, 415),
    description="请求头 Upload-Offset 必须等于服务器的进度（否则 409），"
    "Content-Type: application/offset+octet-stream。最后一块收到后文件按"
    "分类校验（大小、按内容识别的类型、SHA-256 去重）并入库。")
def upload_chunk(call, uid):
    _check_version(call)
    Upload = call.pool.get('yuexing.file.upload')
    if call.request.mimetype != 'application/offset+octet-stream':
        raise _error(415, 'content_type')
    offset = _integer_header(call, 'Upload-Offset')
    upload = _upload_of(call, uid)
    # one chunk at a time per upload (the toolkit retries with the lock)
    with without_check_access():
        Upload.lock([upload])
        upload = Upload(upload.id)
    if upload.state != 'uploading' or offset != upload.offset:
        raise _error(409, 'offset_mismatch', headers={
                'Upload-Offset': str(upload.offset)},
            offset=upload.offset)
    data = call.request.get_data(cache=False)
    if offset + len(data) > upload.length:
        raise _error(413, 'upload_too_large', size=offset + len(data))
    headers = {}
    if data and upload.append(data):
        upload = Upload(upload.id)
        try:
            upload.finish()
        except api.ApiError:
            raise
        except Exception as exception:
            refusal = api.from_exception(exception)
            if refusal is None:
                raise
            Transaction().rollback()
            with without_check_access():
                upload = Upload(upload.id)
                upload.discard_chunks()
                Upload.write([upload], {'state': 'refused'})
            refusal.commit = True
            refusal.extra_headers['Tus-Resumable'] = TUS_VERSION
            raise refusal from None
        upload = Upload(upload.id)
    else:
        upload = Upload(upload.id)
        headers['Upload-Expires'] = _http_date(upload.expires)
    headers['Upload-Offset'] = str(upload.offset)
    if upload.version:
        headers['X-File-Document'] = str(upload.version.document.id)
        headers['X-File-Version'] = str(upload.version.number)
    return _empty(204, headers)


upload_chunk.preflight_headers = TUS_HEADERS


@api.endpoint('DELETE', '/files/uploads/<uid>', auth=UPLOADERS,
    summary="放弃上传（tus termination）", tags=TAGS, status=204,
    rate_limit='upload', errors=(410, 412))
def delete_upload(call, uid):
    _check_version(call)
    Upload = call.pool.get('yuexing.file.upload')
    upload = _upload_of(call, uid)
    upload.discard_chunks()
    with without_check_access():
        Upload.write([upload], {'state': 'expired'})
    return _empty(204, {})


delete_upload.preflight_headers = TUS_HEADERS


# ---- shared documents ----------------------------------------------------

def _file_response(name, media_type, data):
    from urllib.parse import quote
    return BaseResponse(data, 200, headers={
            'Content-Type': media_type or 'application/octet-stream',
            'Content-Disposition': f"attachment; filename*=UTF-8''"
            f"{quote(name)}",
            'Cache-Control': 'private, no-store',
            'X-Content-Type-Options': 'nosniff',
            })


@api.endpoint('GET', '/files/shared/<token>', auth=api.PUBLIC,
    summary="通过分享链接下载文件", tags=TAGS, writes=True,
    description="分享链接（签名令牌，有有效期，可撤销）；成功时返回文件内容"
    "（不是 JSON），每次下载记入审计日志。")
def shared_download(call, token):
    Share = call.pool.get('yuexing.file.share')
    share = Share.from_token(token)
    if share is None or not share.active:
        raise _error(404, 'share_invalid')
    with without_check_access(), Transaction().set_context(
            yuexing_file_via=f'link {share.id}'):
        result = share.document.download()
    if result is None:
        raise _error(404, 'share_invalid')
    return _file_response(*result)


DOCUMENT = s.Object({
        'id': s.Integer("文档ID", required=True),
        'name': s.String("名称", required=True),
        'category': s.String("分类", required=True),
        'tags': s.List("标签", s.String("标签"), required=True),
        'version': s.Integer("版本", required=True, nullable=True),
        'media_type': s.String("类型", required=True, nullable=True),
        'size': s.Integer("大小（字节）", required=True, nullable=True),
        'expires': s.DateTime("共享截止", required=True, nullable=True),
        }, "共享文档", name='FileDocument')


def _company_shares(call, document_ids=None):
    "The active shares of documents with the portal user's company."
    pool = call.pool
    Share = pool.get('yuexing.file.share')
    User = pool.get('res.user')
    parties = User.get_customer_parties()
    if not parties:
        return []
    domain = [('kind', '=', 'company'), ('party', 'in', parties),
        ['OR', ('expires', '=', None), ('expires', '>', dt.datetime.now())]]
    if document_ids is not None:
        domain.append(('document', 'in', document_ids))
    with without_check_access():
        return Share.search(domain)


@api.endpoint('GET', '/files/documents', auth='portal',
    summary="共享给本单位的文档", tags=TAGS,
    query=s.page_query(), response=s.page_of(DOCUMENT))
def list_shared_documents(call):
    Document = call.pool.get('yuexing.file.document')
    shares = _company_shares(call)
    expires = {}
    for share in shares:
        current = expires.get(share.document.id, dt.datetime.min)
        expires[share.document.id] = (None if share.expires is None or (
                current is None) else max(current, share.expires))

    def serialize(document):
        return {
            'id': document.id, 'name': document.name,
            'category': document.category.rec_name,
            'tags': [t.name for t in document.tags],
            'version': document.version_number,
            'media_type': document.media_type, 'size': document.size,
            'expires': expires.get(document.id),
            }
    with without_check_access():
        return api.paginate(Document, [('id', 'in', list(expires))],
            call.query, serialize)


@api.endpoint('GET', '/files/documents/<int:document_id>/download',
    auth='portal', summary="下载共享给本单位的文档", tags=TAGS, writes=True,
    description="成功时返回文件内容（不是 JSON），记入审计日志。")
def download_shared_document(call, document_id):
    shares = _company_shares(call, [document_id])
    if not shares:
        raise api.not_found()
    with without_check_access(), Transaction().set_context(
            yuexing_file_via=f'portal share {shares[0].id}'):
        result = shares[0].document.download()
    if result is None:
        raise api.not_found()
    return _file_response(*result)

