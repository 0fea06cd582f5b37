"""The outbox: OutboxEmail rows, written with the change that causes them, delivered over SMTP.

transport (messages and the SMTP connection), queue (claims, batches, outcomes) and in_process
(the sender thread inside the web process; `flask outbox worker` runs queue.deliver_due in a loop).

Delivery is at least once. A row queued for a configured server carries its message already
serialised (`mime_message`, with its envelope), so every attempt sends the same bytes; reminders
due later and rows queued without SMTP (or before that column existed) are serialised when they
are first sent, and kept.

A sender works in batches. One statement claims a batch (status `sending`, `claimed_by`, and a
lease: `next_attempt_at` becomes the moment the claim runs out) and is committed before any SMTP;
on PostgreSQL it picks rows with `SELECT … FOR UPDATE SKIP LOCKED`, so any number of `flask
outbox worker` processes share the work without sending a row twice. The messages go out over
the worker's one SMTP connection, which stays open across batches while there is work. After the
batch, one statement marks the sent rows and one the retries and failures. The lease is twice
what one message may take (SMTP_STEPS × MAIL_TIMEOUT, at least a minute) and is renewed, with
the marks so far, whenever less than one message's worth of it is left, so a live worker never
loses a row it is sending, and a killed worker's rows are claimed again once their lease ends.

What remains: if a process dies after the server accepted a message (250) but before the batch's
"sent" mark is committed, the message is sent again when the lease runs out. SMTP has no
idempotent submission, so this cannot be closed from our side; the repeat carries the same
bytes and Message-ID (derived from the row's idempotency key), which lets receiving systems and
mail clients recognise and fold the duplicate.
"""
