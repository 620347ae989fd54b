"""The rules of mentorship requests as plain Python, without I/O."""
