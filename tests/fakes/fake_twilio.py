"""A fake Twilio Messages API on 127.0.0.1, for the real twilio client to talk to.

Implements ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP basic
auth, answers like Twilio (201 and a Message resource, or Twilio's error JSON) and
records what was sent, so tests can check what would have reached a phone.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import parse_qs

from tests.fakes.loopback import JsonHandler, LoopbackServer

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/Messages\.json$")


@dataclass
class SentSms:
    """One message the fake accepted."""

    sid: str
    to: str
    from_: str
    body: str
    status_callback: str | None


@dataclass
class FakeTwilio(LoopbackServer):
    """Twilio's Messages API, in a thread."""

    account_sid: str
    auth_token: str
    sent: list[SentSms] = field(default_factory=list)
    #: When set, the next calls fail with this (status, Twilio error code).
    failure: tuple[int, int] | None = None

    @property
    def url(self) -> str:
        """Base URL to use as ``MARIGOLD_TWILIO_API_BASE``."""
        return self.origin

    def start(self) -> FakeTwilio:
        """Serve on a free port."""
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                match = _MESSAGES.match(self.path)
                if match is None:
                    self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                expected = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if (
                    self.headers.get("Authorization") != f"Basic {expected}"
                    or match["sid"] != fake.account_sid
                ):
                    self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if fake.failure is not None:
                    status, code = fake.failure
                    # Like Twilio, the error text quotes the number: it must never be logged.
                    message = f"Attempt to send to unsubscribed recipient {form.get('To')}"
                    self._reply(status, {"code": code, "message": message, "status": status})
                    return
                sid = "SM" + uuid.uuid4().hex
                fake.sent.append(
                    SentSms(
                        sid=sid,
                        to=form.get("To", ""),
                        from_=form.get("From", ""),
                        body=form.get("Body", ""),
                        status_callback=form.get("StatusCallback"),
                    )
                )
                now = formatdate(usegmt=True)
                self._reply(
                    201,
                    {
                        "sid": sid,
                        "account_sid": fake.account_sid,
                        "to": form.get("To"),
                        "from": form.get("From"),
                        "body": form.get("Body"),
                        "status": "queued",
                        "num_segments": "1",
                        "num_media": "0",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "date_created": now,
                        "date_updated": now,
                        "date_sent": None,
                        "price": None,
                        "error_code": None,
                        "error_message": None,
                        "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{sid}.json",
                        "subresource_uris": {},
                    },
                )

        self._serve(Handler)
        return self

    def reset(self) -> None:
        """Forget recorded messages and injected failures."""
        self.sent.clear()
        self.failure = None
