"""The services that make up the system and the nameko class each one runs."""
from __future__ import annotations

SERVICES = ("leaders", "screenings", "mailer", "gateway")
# What `nameko run` starts for each service (a module may hold entrypoint mixins too).
SERVICE_CLASSES = {
    "leaders": "services.leaders.service:LeadersService",
    "screenings": "services.screenings.service:ScreeningsService",
    "mailer": "services.mailer.service:MailerService",
    "gateway": "services.gateway.service:GatewayService",
}
