"""Mail throughput: events in, messages accepted by a local SMTP server out."""
