"""Small real files made on the fly (demo data and tests): a JPEG, a PDF
with text, a docx, an MP4 header."""
import io


def jpeg(color=(30, 120, 200), size=(64, 48)):
    from PIL import Image
    output = io.BytesIO()
    Image.new('RGB', size, color).save(output, format='JPEG')
    return output.getvalue()


def pdf(text='Roof waterproofing drawing'):
    "A one-page PDF whose text pdfium extracts (Helvetica, ASCII)."
    stream = f'BT /F1 18 Tf 40 100 Td ({text}) Tj ET'.encode()
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] '
        b'/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
        b'<< /Length %d >>\nstream\n' % len(stream) + stream
        + b'\nendstream',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        ]
    output = io.BytesIO()
    output.write(b'%PDF-1.4\n')
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(output.tell())
        output.write(b'%d 0 obj\n' % number + body + b'\nendobj\n')
    xref = output.tell()
    output.write(b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1))
    for offset in offsets:
        output.write(b'%010d 00000 n \n' % offset)
    output.write(b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n'
        b'%%%%EOF\n' % (len(objects) + 1, xref))
    return output.getvalue()


def docx(text='闭水试验 48 小时无渗漏'):
    import docx as python_docx
    document = python_docx.Document()
    document.add_paragraph(text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def mp4(size=4096):
    "Enough of an MP4 for the type check (ftyp box) and a long body."
    head = b'\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom'
    return head + bytes(range(256)) * (size // 256)
