"""A real SMTP server for the mail tests (aiosmtpd): every message it accepts is appended to a
JSON-lines file, decoded with Python's email package (the envelope, the headers as received,
the subject, the plain-text and HTML parts, whether the session was encrypted and who signed
in). Recipients in a refused domain get 550.

    python3 tests/smtp/sink.py --port 2525 --out mails.jsonl [--refuse ditolak.example.go.id]
        [--tls starttls|tls --cert cert.pem --key key.pem] [--login user:password]

With `--tls starttls` the server requires STARTTLS before MAIL; with `--tls tls` it speaks TLS
from the first byte (SMTPS). With `--login` a client must sign in (only over TLS) first.
"""

import argparse
import asyncio
import email
import email.policy
import json
import signal
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out, refuse):
        self.out = out
        self.refuse = [d.lower() for d in refuse]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if any(address.lower().endswith("@" + d) for d in self.refuse):
            return "550 5.1.1 <%s>: Recipient address rejected: no such mailbox" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in msg.items()],
            "subject": str(msg["subject"] or ""),
            "to": str(msg["to"] or ""),
            "from": str(msg["from"] or ""),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
            # STARTTLS (session.ssl) or TLS from the first byte (the transport's).
            "encrypted": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data if session.authenticated else None,
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--tls", choices=["none", "starttls", "tls"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--login")
    a = p.parse_args()
    kwargs = {}
    if a.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
        if a.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)
    if a.login:
        user, password = a.login.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: the server answers a refused login with 535 itself.
            return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

        # Over SMTPS the server's session does not know the socket is encrypted: it is.
        kwargs.update(
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=a.tls != "tls",
        )
    controller = Controller(
        Sink(a.out, a.refuse), hostname="127.0.0.1", port=a.port, **kwargs
    )
    controller.start()
    print("ready", flush=True)
    stop = asyncio.new_event_loop()
    done = asyncio.Event()

    def finish(*_):
        stop.call_soon_threadsafe(done.set)

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    stop.run_until_complete(done.wait())
    controller.stop()


if __name__ == "__main__":
    main()
