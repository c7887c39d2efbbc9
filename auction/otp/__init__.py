"""One-time codes sent by SMS (seed 000: a payment in the file is confirmed with a code sent to the
payer's registered phone). Reusable by purpose: `sale_payment` (issue 11) and `refund_iban` (issue 17).

- A code is stored only as an HMAC-SHA256 under a key derived from the server secret, bound to its row,
  purpose and subject: the database never holds a code, and a code cannot be replayed for another subject.
- It expires (`otp.<purpose>.ttl`), allows `otp.<purpose>.max_attempts` wrong tries (then it is spent and
  the caller cancels what it confirmed), and one subject receives at most `otp.<purpose>.max_sends` codes;
  all from the rule table `auction/rules/data/otp.toml`.
- Every check does the same work whatever the outcome (one conditional UPDATE, one HMAC, one constant-time
  compare), so neither the answer time nor the answer says more than "right" or "wrong".
- The text leaves through `ESATIS_SMS` (auction.sms) only after the transaction that stored the code
  commits; the code never goes into the outbox, a log line in production, or an event.
"""

from auction.otp.service import CheckOutcome, CheckResult, OtpPolicy, check, issue, otp_policy

__all__ = ["CheckOutcome", "CheckResult", "OtpPolicy", "check", "issue", "otp_policy"]
