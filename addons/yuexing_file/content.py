"""What a file is, by its content: media type from its bytes (checked by
opening it with Pillow / pypdfium2 / the zip of an office document),
thumbnails and first-page previews, and its text for the search.

Pure functions on bytes; no pool."""
import io
import logging
import os
import shutil
import subprocess
import tempfile
import zipfile

logger = logging.getLogger(__name__)

PREVIEW_SIZE = (480, 480)
DOCX = ('application/vnd.openxmlformats-officedocument'
    '.wordprocessingml.document')
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
IMAGES = {'JPEG': 'image/jpeg', 'PNG': 'image/png', 'WEBP': 'image/webp',
    'GIF': 'image/gif', 'TIFF': 'image/tiff', 'BMP': 'image/bmp'}
# the extension a media type gets in a download name
EXTENSIONS = {
    'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp',
    'image/gif': '.gif', 'image/tiff': '.tif', 'image/bmp': '.bmp',
    'application/pdf': '.pdf', DOCX: '.docx', XLSX: '.xlsx',
    'video/mp4': '.mp4', 'video/quicktime': '.mov', 'application/dwg':
    '.dwg', 'text/plain': '.txt',
    }


def _image_type(data):
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGES.get(image.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _pdf_ok(data):
    import pypdfium2 as pdfium
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return False
    try:
        return len(document) > 0
    finally:
        document.close()


def _office_type(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if 'word/document.xml' in names:
        return DOCX
    if 'xl/workbook.xml' in names:
        return XLSX
    return None


def media_type(data):
    """The media type of data, from its content (not from its name or the
    client's word): images and PDFs must open, office files must be the
    zip of a Word/Excel document. 'application/octet-stream' otherwise."""
    head = data[:16]
    if head.startswith(b'%PDF-'):
        return 'application/pdf' if _pdf_ok(data) else (
            'application/octet-stream')
    if head[4:8] == b'ftyp':
        brand = head[8:12]
        return 'video/quicktime' if brand == b'qt  ' else 'video/mp4'
    if head.startswith(b'AC10'):
        return 'application/dwg'
    if head.startswith(b'PK\x03\x04'):
        return _office_type(data) or 'application/zip'
    image = _image_type(data)
    if image:
        return image
    try:
        data[:4096].decode('utf-8')
    except UnicodeDecodeError:
        return 'application/octet-stream'
    return 'text/plain' if b'\x00' not in data[:4096] else (
        'application/octet-stream')


# ---- previews -----------------------------------------------------------

def _png(image):
    image.thumbnail(PREVIEW_SIZE)
    if image.mode not in {'RGB', 'RGBA', 'L'}:
        image = image.convert('RGB')
    output = io.BytesIO()
    image.save(output, format='PNG', optimize=True)
    return output.getvalue()


def image_preview(data):
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        return _png(image)


def pdf_preview(data, pages=1):
    "The first pages rendered, one under the other, as a PNG."
    import pypdfium2 as pdfium
    from PIL import Image
    document = pdfium.PdfDocument(data)
    try:
        images = []
        for index in range(min(pages, len(document))):
            page = document[index]
            images.append(page.render(scale=1).to_pil())
            page.close()
    finally:
        document.close()
    if len(images) == 1:
        return _png(images[0])
    width = max(i.width for i in images)
    sheet = Image.new('RGB', (width, sum(i.height for i in images)),
        'white')
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    return _png(sheet)


def libreoffice():
    "The LibreOffice command, or None when it is not installed."
    return shutil.which('soffice') or shutil.which('libreoffice')


def office_to_pdf(data, suffix):
    "A docx/xlsx converted to PDF by LibreOffice (headless), or None."
    command = libreoffice()
    if not command:
        return None
    with tempfile.TemporaryDirectory(prefix='yx-office-') as folder:
        source = os.path.join(folder, 'document' + suffix)
        with open(source, 'wb') as file:
            file.write(data)
        try:
            subprocess.run([command, '--headless', '--norestore',
                    f'-env:UserInstallation=file://{folder}/profile',
                    '--convert-to', 'pdf', '--outdir', folder, source],
                check=True, capture_output=True, timeout=120)
        except (subprocess.SubprocessError, OSError):
            logger.warning("LibreOffice could not convert a document",
                exc_info=True)
            return None
        target = os.path.join(folder, 'document.pdf')
        if not os.path.exists(target):
            return None
        with open(target, 'rb') as file:
            return file.read()


def preview(data, kind):
    """A PNG preview of data of media type kind, or None when none can be
    made (video, drawing, office document without LibreOffice)."""
    try:
        if kind in IMAGES.values():
            return image_preview(data)
        if kind == 'application/pdf':
            return pdf_preview(data)
        if kind in {DOCX, XLSX}:
            pdf = office_to_pdf(data, EXTENSIONS[kind])
            return pdf_preview(pdf) if pdf else None
    except Exception:
        logger.warning("no preview for a %s file", kind, exc_info=True)
    return None


# ---- text for the search ------------------------------------------------

def text(data, kind, limit=200_000):
    "The text of a PDF, docx or plain text file (for the search), or ''."
    try:
        if kind == 'application/pdf':
            import pypdfium2 as pdfium
            document = pdfium.PdfDocument(data)
            try:
                parts = []
                for page in document:
                    textpage = page.get_textpage()
                    parts.append(textpage.get_text_range())
                    textpage.close()
                    page.close()
                    if sum(map(len, parts)) > limit:
                        break
            finally:
                document.close()
            result = '\n'.join(parts)
        elif kind == DOCX:
            import docx
            document = docx.Document(io.BytesIO(data))
            parts = [p.text for p in document.paragraphs]
            for table in document.tables:
                for row in table.rows:
                    parts.append(' '.join(c.text for c in row.cells))
            result = '\n'.join(parts)
        elif kind == 'text/plain':
            result = data.decode('utf-8', 'replace')
        else:
            return ''
    except Exception:
        logger.warning("no text from a %s file", kind, exc_info=True)
        return ''
    return result.replace('\x00', '')[:limit]
