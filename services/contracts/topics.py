"""The network's topics: what a leader can help with (their expertise), what a peer can ask
about (a mentorship request's topic), and what a resource in the library covers.

One vocabulary shared by the leaders service (expertise, mentorship) and the screenings
service (the resource library, films), so a mentorship request on a topic can be answered
with the resources on that topic. Slugs travel; labels are how pages show them.
"""
from __future__ import annotations

TOPICS: dict[str, str] = {
    "hate-crime-investigation": "Hate crime investigation",
    "prosecution": "Prosecution",
    "community-policing": "Community policing",
    "school-safety": "School safety",
    "lgbtq-liaison": "LGBTQ+ liaison",
    "immigrant-communities": "Immigrant communities",
    "victim-services": "Victim services",
    "faith-communities": "Faith communities",
    "bias-incident-reporting": "Bias incident reporting",
    "youth-outreach": "Youth outreach",
    "police-training": "Academy and roll-call training",
}


def topic_label(slug: str) -> str:
    return TOPICS.get(slug, slug)
