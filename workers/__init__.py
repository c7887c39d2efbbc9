"""esatis background workers: closer, outbox dispatcher, notifications."""
