"""Server-rendered pages for the public, leaders and program managers (Jinja2, autoescaped,
no scripts), one module per audience. They call the same services as the JSON API; forms
post back here with the session's CSRF token. Every path a service puts in mail is served
here or by the API (tests/integration/gateway/test_pages.py checks them all)."""
from . import (  # noqa: F401  (modules register their routes on import)
    account, films, finding, leader, leader_attendees, leader_invitations, leader_materials, leader_profile,
    leader_screenings, leader_training, library, manager, manager_coverage, manager_feedback, manager_home,
    manager_library, manager_mail, manager_mentorship, manager_partners, manager_roster, manager_screenings,
    manager_training, materials, public, urgent,
)
