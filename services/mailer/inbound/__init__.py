"""Inbound mail: the SMTP listener where calendar replies come back (listener), and the
rules that read them (parsing, plain Python without I/O)."""
