"""The mailer's use cases, one module per area: queueing the mail of an event, sending
what is due, the operators' commands, the weekly digest and account set-up mail.

Each command takes the unit of work first (repository.MailerUnitOfWork, or a fake in the
unit tests) and is given `now`; rules come from delivery.py, message structure from
compose.py, wording from notifications.py and the templates. Reads are in views.py.
"""
