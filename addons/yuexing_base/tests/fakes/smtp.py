"""A minimal SMTP server (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
keeping the messages it receives, for the e-mail channel tests."""
import socketserver
import threading
from email import message_from_bytes
from email.header import decode_header, make_header


class FakeSmtp:

    def __init__(self):
        self.messages = []   # (from, [to], email.message.Message)
        self.refuse = False  # answer 451 to MAIL (temporary failure)
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write((line + '\r\n').encode())

            def handle(self):
                self.reply('220 fake ESMTP')
                sender, recipients = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode('utf-8', 'replace').strip()
                    verb = command[:4].upper()
                    if verb in {'EHLO', 'HELO'}:
                        self.reply('250 fake')
                    elif verb == 'MAIL':
                        if fake.refuse:
                            self.reply('451 try again later')
                            continue
                        sender = command.split(':', 1)[1].strip(' <>')
                        recipients = []
                        self.reply('250 OK')
                    elif verb == 'RCPT':
                        recipients.append(
                            command.split(':', 1)[1].strip(' <>'))
                        self.reply('250 OK')
                    elif verb == 'DATA':
                        self.reply('354 End data with <CR><LF>.<CR><LF>')
                        data = []
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in {b'.\r\n', b'.\n', b''}:
                                break
                            if chunk.startswith(b'..'):
                                chunk = chunk[1:]
                            data.append(chunk)
                        fake.messages.append((sender, recipients,
                                message_from_bytes(b''.join(data))))
                        self.reply('250 OK queued')
                    elif verb in {'RSET', 'NOOP'}:
                        self.reply('250 OK')
                    elif verb == 'QUIT':
                        self.reply('221 bye')
                        return
                    else:
                        self.reply('502 not implemented')

        self.server = socketserver.ThreadingTCPServer(
            ('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True

    @property
    def uri(self):
        host, port = self.server.server_address
        return f'smtp://{host}:{port}'

    @staticmethod
    def subject(message):
        return str(make_header(decode_header(message['Subject'])))

    def start(self):
        threading.Thread(target=self.server.serve_forever,
            daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
