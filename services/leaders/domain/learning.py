"""What each distance-learning module teaches: its objectives, its readings and its knowledge
check. Plain data, no I/O.

Readings are publications listed on the COPS Office's "Addressing Hate Crimes" resource
page, cited by their exact titles with the page's own one-line description. Every answer
of a check is grounded in those descriptions, in the program's announcement of the network
(what leaders do, whom they mentor) or in how this program runs (offers with a response
deadline, reports after a screening). Nothing here states a figure the sources do not.
"""
from __future__ import annotations

from dataclasses import dataclass

COPS_OFFICE = "U.S. Department of Justice, Office of Community Oriented Policing Services (COPS Office)"


@dataclass(frozen=True)
class Reading:
    title: str
    publisher: str
    description: str


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    options: tuple[tuple[str, str], ...]  # (key, text), shown in this order
    answer: str  # the key of the right option

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.options)


@dataclass(frozen=True)
class Lesson:
    objectives: tuple[str, ...]
    readings: tuple[Reading, ...]
    questions: tuple[Question, ...]


def _options(*texts: str) -> tuple[tuple[str, str], ...]:
    return tuple(zip("abcd", texts))


# --- the publications (titles and descriptions as the COPS Office page gives them) ------

HATE_CRIMES_RECOGNITION = Reading(
    "Hate Crimes: Recognition and Reporting", COPS_OFFICE,
    "Enhances law enforcement’s response and the uniform patrol officer’s ability to recognize and report "
    "a hate crime, including addressing victim needs, reporting incidents, and building community trust. "
    "Developed primarily for uniformed law enforcement officers and first line supervisors; a no cost "
    "training requested through the COPS Office Collaborative Reform Initiative Technical Assistance Center "
    "(CRI-TAC).",
)
LIGHT_IN_THE_DARKNESS_GUIDE = Reading(
    "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement", COPS_OFFICE,
    "Identifies discussion questions and community policing best practices for law enforcement "
    "representatives organizing screenings of the PBS documentary film Not In Our Town: Light in the Darkness.",
)
STRONGER_SAFER = Reading(
    "Building Stronger, Safer Communities", COPS_OFFICE,
    "Offers leadership strategies and actionable tactics to help law enforcement agencies work with "
    "community partners.",
)
STOP_HATE_USB = Reading(
    "Stop Hate & Build Inclusion: Resources for Law Enforcement and Community Partners", COPS_OFFICE,
    "A USB flash drive compiling films and related publications to aid Not In Our Town’s national effort to "
    "connect people working together to take action against hate and create safe, inclusive communities.",
)
LGBTQ_POLICING = Reading(
    "Gender, Sexuality, and 21st Century Policing: Protecting the Rights of the LGBTQ+ Community", COPS_OFFICE,
    "Forum report and recommendations based on input from police departments and LGBTQ+ advocacy groups, "
    "with model practices, case studies and sample policies for eliminating bias against the LGBTQ+ community.",
)
COMMUNITIES_OF_COLOR = Reading(
    "Strengthening the Relationship between Law Enforcement and Communities of Color", COPS_OFFICE,
    "Focuses on identifying what can be done to break the cycle of mistrust and cynicism that has fractured "
    "the relationships between law enforcement and communities of color.",
)
MICROGRANT_LESSONS = Reading(
    "Lessons to Advance Community Policing: Final Report for 2014 Microgrant Sites", COPS_OFFICE,
    "Reports on the Microgrant Initiative for Law Enforcement, launched to advance community policing efforts "
    "nationwide and address gaps in community policing knowledge and tools.",
)
PREVENTION_SUMMIT = Reading(
    "Community-Based Approaches to Prevention: A Report on the 2014 National Summit on Preventing Multiple "
    "Casualty Violence", COPS_OFFICE,
    "Offers a prevention toolkit adaptable to the needs of individual communities to help prevent multiple "
    "casualty violence.",
)
LANGUAGE_DIVIDE = Reading(
    "Bridging the Language Divide: Promising Practices for Law Enforcement", COPS_OFFICE,
    "Discusses a national assessment of best practices for overcoming language barriers in policing.",
)
IMMIGRANT_COMMUNITIES = Reading(
    "Engaging Police in Immigrant Communities", COPS_OFFICE,
    "Highlights promising practices that law enforcement agencies nationwide are using to build effective "
    "police-immigrant relations.",
)
RACIAL_RECONCILIATION = Reading(
    "Racial Reconciliation, Truth-Telling, and Police Legitimacy", COPS_OFFICE,
    "Gives police executives the chance to hear from their own colleagues why racial reconciliation is "
    "morally, functionally, and operationally critical.",
)
PRINCIPLED_RESPONSE = Reading(
    "Racially Biased Policing: A Principled Response", COPS_OFFICE,
    "Assists agencies in meeting the challenge of eradicating racially biased policing.",
)


LESSONS: dict[str, Lesson] = {
    "mentoring-peers": Lesson(
        objectives=(
            "Describe a network leader’s role as a resource and mentor within the wider law enforcement "
            "community.",
            "Name the three areas on which peers seek a leader’s guidance: reducing hate crimes, working "
            "effectively with communities, and implementing good community policing practices.",
            "Point a peer to the COPS Office publication that fits their question.",
        ),
        readings=(STRONGER_SAFER, COMMUNITIES_OF_COLOR, MICROGRANT_LESSONS),
        questions=(
            Question("who-asks", "Who can ask the network’s leaders for mentoring?", _options(
                "Only leaders who have finished their own training",
                "Any law enforcement professional seeking information and guidance",
                "Only program managers at the COPS Office",
                "Only members of the public who attended a screening",
            ), "b"),
            Question("three-areas", "On which areas do peers come to network leaders for guidance?", _options(
                "Firearms qualification, patrol scheduling and fleet maintenance",
                "Grant writing, budgets and procurement",
                "Reducing hate crimes, working effectively with communities, and implementing good community "
                "policing practices",
                "Recruiting, promotions and labor relations",
            ), "c"),
            Question("partners", "A peer wants leadership strategies and actionable tactics for working with "
                                 "community partners. Which publication fits best?", _options(
                "Building Stronger, Safer Communities",
                "Racially Biased Policing: Guidance for Analyzing Race Data from Vehicle Stops Executive Summary",
                "E-COP: Using the Web to Enhance Community Oriented Policing",
                "Bridging the Language Divide: Promising Practices for Law Enforcement",
            ), "a"),
            Question("mistrust", "A peer asks what can be done to break the cycle of mistrust and cynicism "
                                 "between law enforcement and communities of color. Which publication focuses "
                                 "on exactly that?", _options(
                "Innovators 2013: Reducing Crime by Increasing Trust in an Immigrant Community",
                "Building Trust Between the Police and the Citizens They Serve",
                "E-COP: Using the Web to Enhance Community Oriented Policing",
                "Strengthening the Relationship between Law Enforcement and Communities of Color",
            ), "d"),
        ),
    ),
    "responding-to-requests": Lesson(
        objectives=(
            "Answer a mentorship offer before its response deadline: two business days, one for an urgent "
            "request.",
            "Know what happens to a request you decline or let expire: it goes back to be offered to another "
            "leader.",
            "Close the loop: record the outcome of a mentorship when it ends.",
            "Match a peer’s need to a COPS Office resource, such as the no cost Hate Crimes: Recognition and "
            "Reporting training.",
        ),
        readings=(HATE_CRIMES_RECOGNITION, LANGUAGE_DIVIDE, IMMIGRANT_COMMUNITIES),
        questions=(
            Question("first-step", "A mentorship request is offered to you. What do you do first?", _options(
                "Wait: a program manager answers every request",
                "Accept or decline it before its response deadline, so the peer is not kept waiting",
                "Forward it by email to the peer’s agency",
                "Let it expire; it will come back to you later",
            ), "b"),
            Question("urgent", "How long do you have to answer the offer of an urgent request?", _options(
                "One business day",
                "Two business days",
                "One calendar week",
                "There is no deadline",
            ), "a"),
            Question("declined", "What happens to a request you decline, or whose deadline passes without an "
                                 "answer?", _options(
                "It is closed and the peer is told no one can help",
                "It stays with you until you accept it",
                "It goes back to be offered to another leader",
                "It is published in the leader directory",
            ), "c"),
            Question("close-loop", "How do you close the loop when a mentorship ends?", _options(
                "Delete the request",
                "Nothing: mentorships close by themselves",
                "Ask the peer to file a report on a screening",
                "Complete the mentorship with a note on its outcome",
            ), "d"),
            Question("curriculum", "A peer asks for a curriculum to help patrol officers recognize and report "
                                   "hate crimes. What can you point them to?", _options(
                "Hate Crimes: Recognition and Reporting, a no cost training requested through CRI-TAC",
                "Racially Biased Policing: Guidance for Analyzing Race Data from Vehicle Stops Executive Summary",
                "Stop and Frisk: Balancing Crime Control with Community Relations",
                "Bridging the Language Divide: Promising Practices for Law Enforcement",
            ), "a"),
        ),
    ),
    "hosting-a-screening": Lesson(
        objectives=(
            "Choose a Not In Our Town film and a setting: a community gathering, a roll call, an academy or a "
            "school.",
            "Register the screening so the program can review it, and welcome the people who RSVP.",
            "File the report after the event, so the program knows whom the screening reached.",
        ),
        readings=(LIGHT_IN_THE_DARKNESS_GUIDE, STOP_HATE_USB),
        questions=(
            Question("settings", "Where do network leaders host screenings and guided discussions?", _options(
                "Only in movie theaters",
                "In communities, roll calls, academies and schools",
                "Only online",
                "Only at the COPS Office in Washington, DC",
            ), "b"),
            Question("usb", "What is Stop Hate & Build Inclusion: Resources for Law Enforcement and Community "
                            "Partners?", _options(
                "A sample hate crime statute",
                "An online course with a certificate",
                "A USB flash drive compiling films and related publications",
                "A statistical handbook of hate crimes",
            ), "c"),
            Question("guide", "Which publication identifies discussion questions and community policing best "
                              "practices for law enforcement organizing screenings of the PBS documentary "
                              "Not In Our Town: Light in the Darkness?", _options(
                "Not In Our Town: Light in the Darkness – A Guide for Law Enforcement",
                "Innovators 2013: Reducing Crime by Increasing Trust in an Immigrant Community",
                "Racially Biased Policing: A Principled Response",
                "Building Trust Between the Police and the Citizens They Serve",
            ), "a"),
            Question("after", "What does the program ask of the host once a screening has taken place?", _options(
                "Nothing more",
                "To delete the screening",
                "To register the same screening again",
                "To file the report after the event",
            ), "d"),
        ),
    ),
    "facilitating-discussion": Lesson(
        objectives=(
            "Lead a guided discussion with a film’s discussion guide and its questions.",
            "Connect the conversation to NIOT’s aim: helping law enforcement recognize hate and bias crimes and "
            "work jointly with local civic and citizen partners to prevent them.",
            "Draw on real stories, concrete tactics and increased communication, as the NIOT campaign does.",
        ),
        readings=(LIGHT_IN_THE_DARKNESS_GUIDE, PREVENTION_SUMMIT, RACIAL_RECONCILIATION),
        questions=(
            Question("guide-gives", "What does the Light in the Darkness guide give a law enforcement discussion "
                                    "leader?", _options(
                "A script to read word for word",
                "Discussion questions and community policing best practices",
                "Sample charging documents",
                "A list of attendees to invite",
            ), "b"),
            Question("aim", "What is NIOT’s chief aim for law enforcement?", _options(
                "To help law enforcement recognize hate and bias crimes and work jointly with local civic and "
                "citizen partners to prevent hate and bias",
                "To replace local reporting with a national hotline",
                "To rank agencies by the number of hate crimes they report",
                "To train officers in crowd control",
            ), "a"),
            Question("draws-on", "What does the NIOT campaign draw on to help law enforcement integrate into its "
                                 "communities?", _options(
                "Fines and penalties",
                "Press releases only",
                "The power of real stories, concrete tactics, and increased communication",
                "Anonymous surveys of officers",
            ), "c"),
            Question("toolkit", "Which publication offers a prevention toolkit adaptable to the needs of "
                                "individual communities?", _options(
                "Stop and Frisk: Balancing Crime Control with Community Relations",
                "E-COP: Using the Web to Enhance Community Oriented Policing",
                "Racially Biased Policing: A Principled Response",
                "Community-Based Approaches to Prevention: A Report on the 2014 National Summit on Preventing "
                "Multiple Casualty Violence",
            ), "d"),
        ),
    ),
    "recognising-hate-crimes": Lesson(
        objectives=(
            "Explain why hate-motivated incidents are distinguished from other types of crimes, and what hate "
            "crime laws were intended to do.",
            "Recognize and report a hate crime, address the victim’s needs and build community trust.",
            "Know how an agency requests the no cost Hate Crimes: Recognition and Reporting training.",
        ),
        readings=(HATE_CRIMES_RECOGNITION, LGBTQ_POLICING, PRINCIPLED_RESPONSE),
        questions=(
            Question("laws", "What were hate crime laws intended to do?", _options(
                "Replace other criminal charges",
                "Apply only to crimes against property",
                "Deter and counteract hate-motivated activity, and aid in the victim’s recovery",
                "Move every case to federal courts",
            ), "c"),
            Question("audience", "For whom was the Hate Crimes: Recognition and Reporting curriculum developed "
                                 "primarily?", _options(
                "Uniformed law enforcement officers and first line supervisors",
                "Prosecutors and judges",
                "School administrators",
                "Members of the public",
            ), "a"),
            Question("includes", "Besides recognizing and reporting a hate crime, what does the curriculum "
                                 "include?", _options(
                "Crowd control tactics",
                "Addressing victim needs and building community trust",
                "Vehicle stop data analysis",
                "Disaster planning for 9-1-1 centers",
            ), "b"),
            Question("request", "How does an agency request the no cost Hate Crimes: Recognition and Reporting "
                                "training?", _options(
                "Through its state legislature",
                "By writing to Not In Our Town",
                "It cannot: the training is not offered to agencies",
                "Through the COPS Office Collaborative Reform Initiative Technical Assistance Center (CRI-TAC)",
            ), "d"),
            Question("lgbtq", "Which publication includes model practices, case studies and sample policies for "
                              "eliminating bias against the LGBTQ+ community?", _options(
                "Gender, Sexuality, and 21st Century Policing: Protecting the Rights of the LGBTQ+ Community",
                "Uniting Communities Post-9/11: Tactics for Cultivating Community Policing Partnerships with Arab, "
                "Middle Eastern, Muslim, and South Asian Communities",
                "Engaging Police in Immigrant Communities",
                "Building Stronger, Safer Communities",
            ), "a"),
        ),
    ),
}


def answer_key(slug: str) -> dict[str, str]:
    """The right answers of a module's check (question id -> option key): for demo data
    and tests, which pass checks the way a leader who did the reading would."""
    return {question.id: question.answer for question in LESSONS[slug].questions}
