"""The library as the program's own pages list it (the COPS Office "Addressing Hate
Crimes" page): each publication and resource with its publisher, kind, audiences, topics
and the page's own description of it. Nothing here goes beyond what that page states;
topics and audiences are the network's vocabulary applied to that description.

`key` is each entry's stable name: the library adds the entries it lacks on start, by key,
so a retired or edited entry stays as a program manager left it.
"""
from __future__ import annotations

from ..films import Audience
from .domain import Resource, ResourceKind

COPS, NIOT, VERA = "COPS Office", "Not In Our Town", "Vera Institute of Justice"
TRUST = "Building Relationships of Trust"
LE, PUBLIC, COMMUNITY, CIVIC = (Audience.LAW_ENFORCEMENT, Audience.GENERAL_PUBLIC, Audience.COMMUNITY_ORGANIZATIONS,
                                Audience.CIVIC_LEADERS)


def _entry(key, title, publisher, kind, description, topics, audiences, series=None) -> Resource:
    return Resource(key=key, title=title, publisher=publisher, kind=kind, description=description,
                    topics=tuple(topics), audiences=tuple(audiences), series=series)


SEED: tuple[Resource, ...] = (
    _entry("hate-crimes-recognition-and-reporting", "Hate Crimes: Recognition and Reporting", COPS,
           ResourceKind.CURRICULUM,
           "Enhances law enforcement’s response and the uniform patrol officer’s ability to recognize and report a "
           "hate crime, including addressing victim needs, reporting incidents, and building community trust. "
           "Developed primarily for uniformed officers and first line supervisors; delivered as an 8 hour direct or "
           "a 16 hour train the trainer, at no cost, on request via the COPS Office Collaborative Reform Initiative "
           "Technical Assistance Center (CRI-TAC).",
           ["hate-crime-investigation", "bias-incident-reporting", "victim-services", "police-training"], [LE],
           series="Hate crime resources"),
    _entry("not-in-our-town", "Not In Our Town", NIOT, ResourceKind.ORGANISATION,
           "Works to stop hate, address bullying, and build safe, inclusive communities through film, new media, "
           "and organizing tools that help local leaders build vibrant, diverse cities and towns.",
           ["community-policing", "youth-outreach"], [PUBLIC, COMMUNITY, CIVIC, LE]),
    _entry("gender-sexuality-and-21st-century-policing",
           "Gender, Sexuality, and 21st Century Policing: Protecting the Rights of the LGBTQ+ Community", COPS,
           ResourceKind.REPORT,
           "LGBTQ+ forum report and recommendations based on input from police departments and LGBTQ+ advocacy "
           "groups. The report includes model practices, case studies and sample policies for eliminating bias "
           "against the LGBTQ+ community.",
           ["lgbtq-liaison", "bias-incident-reporting", "community-policing"], [LE, COMMUNITY]),
    _entry("stop-hate-and-build-inclusion",
           "Stop Hate & Build Inclusion: Resources for Law Enforcement and Community Partners", COPS,
           ResourceKind.MEDIA,
           "A USB flash drive compiling films and related publications intended to aid Not In Our Town’s (NIOT) "
           "national effort to connect people working together to take action against hate and create safe, "
           "inclusive communities.",
           ["hate-crime-investigation", "community-policing", "bias-incident-reporting"], [LE, COMMUNITY]),
    _entry("lessons-to-advance-community-policing",
           "Lessons to Advance Community Policing: Final Report for 2014 Microgrant Sites", COPS, ResourceKind.REPORT,
           "In 2013, the COPS Office launched the Microgrant Initiative for Law Enforcement under the Community "
           "Policing Development program to facilitate the implementation or advancement of nationwide community "
           "policing efforts and address existing gaps in community policing knowledge and tools.",
           ["community-policing"], [LE], series=NIOT),
    _entry("community-based-approaches-to-prevention",
           "Community-Based Approaches to Prevention: A Report on the 2014 National Summit on Preventing Multiple "
           "Casualty Violence", COPS, ResourceKind.REPORT,
           "Offers a prevention toolkit adaptable to the needs of individual communities to help prevent multiple "
           "casualty violence.",
           ["community-policing", "faith-communities"], [LE, COMMUNITY, CIVIC], series=NIOT),
    _entry("innovators-2013", "Innovators 2013: Reducing Crime by Increasing Trust in an Immigrant Community", COPS,
           ResourceKind.REPORT,
           "Highlights the efforts of the 2013 L. Anthony Sutin Civic Imagination Award winners.",
           ["immigrant-communities", "community-policing"], [LE, COMMUNITY], series=TRUST),
    _entry("uniting-communities-post-9-11",
           "Uniting Communities Post-9/11: Tactics for Cultivating Community Policing Partnerships with Arab, Middle "
           "Eastern, Muslim, and South Asian Communities", COPS, ResourceKind.REPORT,
           "Aims to explore how community oriented policing strategies could support homeland security initiatives.",
           ["community-policing", "faith-communities", "immigrant-communities"], [LE, COMMUNITY], series=TRUST),
    _entry("light-in-the-darkness-guide-for-law-enforcement",
           "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement", COPS, ResourceKind.GUIDE,
           "Identifies discussion questions and community policing best practices for law enforcement "
           "representatives organizing screenings of the PBS documentary film Not In Our Town: Light in the "
           "Darkness.",
           ["community-policing", "immigrant-communities", "hate-crime-investigation"], [LE], series=TRUST),
    _entry("stop-and-frisk", "Stop and Frisk: Balancing Crime Control with Community Relations", COPS,
           ResourceKind.REPORT,
           "Discusses stop and frisk’s unintended consequences and a series of practical recommendations.",
           ["community-policing"], [LE], series=TRUST),
    _entry("strengthening-relationships-communities-of-color",
           "Strengthening the Relationship between Law Enforcement and Communities of Color", COPS,
           ResourceKind.REPORT,
           "Focuses on identifying what can be done to break the cycle of mistrust and cynicism that for too long "
           "has fractured the relationships between the law enforcement and communities of color.",
           ["community-policing"], [LE, COMMUNITY, CIVIC], series=TRUST),
    _entry("building-stronger-safer-communities", "Building Stronger, Safer Communities", COPS, ResourceKind.GUIDE,
           "Offers leadership strategies and actionable tactics to help law enforcement agencies work with community "
           "partners.",
           ["community-policing"], [LE, COMMUNITY], series=TRUST),
    _entry("disaster-planning-911-center-survivability", "Disaster Planning & Recovery: 9-1-1 Center Survivability",
           COPS, ResourceKind.REPORT,
           "Addresses questions about preparing 911 centers to sustain a catastrophic event and learning from past "
           "experiences.",
           [], [LE], series=TRUST),
    _entry("e-cop", "E-COP: Using the Web to Enhance Community Oriented Policing", COPS, ResourceKind.REPORT,
           "Highlights those technologies that are changing the way police are engaging with communities and "
           "delivering services.",
           ["community-policing"], [LE], series=TRUST),
    _entry("engaging-police-in-immigrant-communities", "Engaging Police in Immigrant Communities", COPS,
           ResourceKind.REPORT,
           "Highlights promising practices that law enforcement agencies nationwide are using to build effective "
           "police-immigrant relations.",
           ["immigrant-communities", "community-policing"], [LE], series=TRUST),
    _entry("racial-reconciliation-truth-telling-police-legitimacy",
           "Racial Reconciliation, Truth-Telling, and Police Legitimacy", COPS, ResourceKind.REPORT,
           "Gives police executives the chance to hear from their own colleagues why racial reconciliation is "
           "morally, functionally, and operationally critical.",
           ["community-policing"], [LE, CIVIC], series=TRUST),
    _entry("bridging-the-language-divide", "Bridging the Language Divide: Promising Practices for Law Enforcement",
           COPS, ResourceKind.REPORT,
           "Discusses a national assessment of best practices for overcoming language barriers in policing.",
           ["immigrant-communities"], [LE], series=TRUST),
    _entry("building-trust-police-and-citizens", "Building Trust Between the Police and the Citizens They Serve",
           COPS, ResourceKind.GUIDE,
           "Focuses on the pivotal role of the Internal Affairs function in building trust between law enforcement "
           "agencies, their staff, and the communities they protect and serve.",
           ["community-policing"], [LE], series=TRUST),
    _entry("building-strong-police-immigrant-community-relations",
           "Building Strong Police-Immigrant Community Relations: Lessons from a New York City Project", COPS,
           ResourceKind.REPORT,
           "Assists police departments, local government officials, and community groups interested in building "
           "good relations between the police and immigrant communities.",
           ["immigrant-communities", "community-policing"], [LE, CIVIC, COMMUNITY], series=TRUST),
    _entry("racially-biased-policing-vehicle-stops",
           "Racially Biased Policing: Guidance for Analyzing Race Data from Vehicle Stops Executive Summary", COPS,
           ResourceKind.GUIDE,
           "Discusses responsible analysis and interpretation of vehicle stop data.",
           ["community-policing"], [LE], series=TRUST),
    _entry("racially-biased-policing-principled-response", "Racially Biased Policing: A Principled Response", COPS,
           ResourceKind.GUIDE,
           "Assists agencies in meeting the challenge of eradicating racially biased policing.",
           ["community-policing", "police-training"], [LE], series=TRUST),
    _entry("vera-institute-of-justice", "Vera Institute of Justice", VERA, ResourceKind.ORGANISATION,
           "Combines research, technical assistance, and demonstration projects to help leaders in civil society "
           "improve the systems people rely on for justice and safety. A COPS Office funded resource.",
           ["community-policing"], [LE, CIVIC, COMMUNITY]),
)

SEED_BY_KEY: dict[str, Resource] = {entry.key: entry for entry in SEED}
