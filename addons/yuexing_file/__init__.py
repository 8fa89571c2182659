"""月星防水 file centre (文件中心): one storage layer (local filestore or
S3-compatible object storage) for every attachment, resumable uploads over
tus 1.0, previews, and the document library (文档管理). Classes are
registered in tryton.cfg (Tryton 8.0).

Nothing is imported here: trytond resolves ``[database] class`` =
``trytond.modules.yuexing_file.filestore.FileStore`` while it is still
importing ``trytond.filestore``, so this package must import without the
model layer. The JSON routes are imported by ``upload.py``."""
