"""A real SMTP server for the mail tests (aiosmtpd): every message it accepts is appended to a
JSON-lines file, decoded with Python's email package (the envelope, the headers as received,
the subject, the plain-text and HTML parts). Recipients in a refused domain get 550.

    python3 tests/smtp/sink.py --port 2525 --out mails.jsonl [--refuse ditolak.example.go.id]
"""

import argparse
import asyncio
import email
import email.policy
import json
import signal

from aiosmtpd.controller import Controller


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
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--refuse", action="append", default=[])
    a = p.parse_args()
    controller = Controller(Sink(a.out, a.refuse), hostname="127.0.0.1", port=a.port)
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
