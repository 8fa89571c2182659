"""A JSON-RPC client of trytond's WSGI app, as sao and proteus speak it:
log in with a password, then call ``model.<name>.<method>``."""
import base64
import json

from werkzeug.test import Client
from werkzeug.wrappers import Response

from trytond.wsgi import app


class RpcError(Exception):
    "The error answer of a JSON-RPC call."


class RpcClient:

    def __init__(self, database, login, password):
        self.database = database
        self.login = login
        self.client = Client(app, Response)
        self._id = 0
        self.user_id, self.session = self._post(None, 'common.db.login',
            [login, {'password': password}, 'zh_CN'])[:2]

    def _post(self, headers, method, params):
        self._id += 1
        response = self.client.post(f'/{self.database}/rpc/',
            data=json.dumps({'id': self._id, 'method': method,
                    'params': params}),
            headers={'Content-Type': 'application/json', **(headers or {})},
            environ_base={'REMOTE_ADDR': '10.254.0.1'})
        text = response.get_data(as_text=True)
        try:
            answer = json.loads(text) if text else {}
        except ValueError:  # an HTML error page (401 of a refused log-in)
            answer = {}
        if response.status_code != 200 or 'error' in answer:
            raise RpcError(response.status_code, answer.get('error', text))
        return answer['result']

    def __call__(self, method, *params):
        "The result of method(*params, context); raises RpcError."
        token = base64.b64encode(
            f'{self.login}:{self.user_id}:{self.session}'.encode()).decode()
        return self._post({'Authorization': f'Session {token}'}, method,
            [*params, {}])

    def answer(self, method, *params):
        "The result, or the error as text: what a client gets to see."
        try:
            return json.dumps(self(method, *params), default=str)
        except RpcError as error:
            return str(error)
