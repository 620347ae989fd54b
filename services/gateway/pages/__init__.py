"""Server-rendered pages for the public, leaders and program managers (Jinja2, autoescaped,
no scripts), one module per audience. They call the same services as the JSON API; forms
post back here with the session's CSRF token. Every path a service puts in mail is served
here or by the API (tests/integration/gateway/test_pages.py checks them all)."""
from . import account, leader, manager, manager_home, manager_coverage, manager_mail, manager_mentorship, manager_roster, manager_screenings, public  # noqa: F401  (modules register their routes on import)
