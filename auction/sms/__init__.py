"""How text messages (one-time codes, SMS notices) leave the platform: `ESATIS_SMS`.

The Ministry's model (seed 000) confirms a payment in the file with a code sent by SMS to the payer's
registered phone; notices (outbid, payment due …) may go the same way. Which gateway carries them is a
setting, never a code path:

| `ESATIS_SMS` | where a message goes |
| --- | --- |
| `console` (default) | one log line (development; the code is in it so a developer can type it) |
| `file:PATH` | one JSON line `{"to", "text", "code"}` appended to PATH (tests and demos read it back) |
| `https://…` (or `http://…`) | a JSON POST `{"to", "text"}` to an SMS gateway (URL user:password = basic auth) |

`console` and `file:` are refused when `ESATIS_ENV=production` (auction.config). The code itself never
goes to the gateway as a separate field and never into a production log: it is part of the text only.
"""

from __future__ import annotations

from auction.sms.senders import (
    ConsoleSms,
    FileSms,
    HttpSms,
    SmsError,
    SmsMessage,
    SmsSender,
    sender_for,
)

__all__ = ["ConsoleSms", "FileSms", "HttpSms", "SmsError", "SmsMessage", "SmsSender", "sender_for"]
