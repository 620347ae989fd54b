"""The operator program: the `niot` command line, `niot run` (the launcher and its
in-process demo mode on an in-memory broker) and the demo data. It sits on top of the
services and the kit; nothing below imports it."""
