"""Files uploaded through the API (wx.uploadFile sends one file per
request): stored with their owner, checked for size and type, later turned
into attachments of the record they belong to (a work order, a
construction step) by the endpoint that receives the form."""
import hashlib

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool


class Upload(ModelSQL, ModelView):
    "API Upload"
    __name__ = 'yuexing.api.upload'

    user = fields.Many2One('res.user', "User", required=True,
        ondelete='CASCADE', readonly=True)
    name = fields.Char("Name", required=True, readonly=True)
    media_type = fields.Char("Media Type", readonly=True)
    size = fields.Integer("Size", readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True)
    data = fields.Binary("Data", file_id='file_id', readonly=True)
    file_id = fields.Char("File ID", readonly=True)
    attachment = fields.Many2One('ir.attachment', "Attachment",
        readonly=True, ondelete='SET NULL',
        help="Set once the file is attached to its record.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def store(cls, user, file):
        "Create an upload from a file read by the API (name, data, type)."
        upload, = cls.create([{
                    'user': user.id,
                    'name': file['name'],
                    'media_type': file['media_type'],
                    'size': file['size'],
                    'sha256': hashlib.sha256(file['data']).hexdigest(),
                    'data': file['data'],
                    }])
        return upload

    @classmethod
    def attach(cls, uploads, record):
        """Attach the uploads to record (ir.attachment) once; returns the
        attachments. Callers check first that the uploads are the user's
        (search them as the user: a record rule limits them)."""
        Attachment = Pool().get('ir.attachment')
        attachments = []
        for upload in uploads:
            if upload.attachment:
                attachments.append(upload.attachment)
                continue
            attachment, = Attachment.create([{
                        'resource': str(record),
                        'name': upload.name,
                        'type': 'data',
                        'data': upload.data,
                        }])
            upload.attachment = attachment
            attachments.append(attachment)
        cls.save(uploads)
        return attachments

    def to_json(self):
        return {
            'id': self.id,
            'name': self.name,
            'media_type': self.media_type,
            'size': self.size,
            'sha256': self.sha256,
            }
