"""Safety screening: the questions a scan needs, and what each answer means.

Each question has answers "yes"/"no"/"unsure"; an answer maps to an outcome:
- ok: nothing to do;
- review: book as requested, a radiologist reviews the answers before the appointment is confirmed;
- stop: online booking is refused and the patient is asked to call the practice.
Pure data and functions, no database.
"""

from __future__ import annotations

from dataclasses import dataclass

OK, REVIEW, STOP = "ok", "review", "stop"
ANSWERS = (("no", "No"), ("yes", "Yes"), ("unsure", "Not sure"))


@dataclass(frozen=True)
class Question:
    key: str
    kind: str  # "mri", "contrast" or "pregnancy" (ScanType.screening_kinds)
    text: str
    help: str
    outcomes: dict[str, str]  # answer -> ok / review / stop


QUESTIONS: tuple[Question, ...] = (
    Question("pacemaker", "mri", "Do you have a pacemaker, defibrillator or other implanted heart device?",
             "These can be affected by the MRI scanner's magnet.", {"no": OK, "yes": STOP, "unsure": STOP}),
    Question("implants", "mri",
             "Do you have any implant: cochlear implant, neurostimulator, insulin pump, aneurysm clip, "
             "joint replacement or metal pins?",
             "Many implants are safe, but a radiologist checks each one.", {"no": OK, "yes": REVIEW, "unsure": REVIEW}),
    Question("metal_fragments", "mri",
             "Have you ever had metal fragments in your eyes or body (for example from welding or an injury)?",
             "Metal can move or heat up in the scanner.", {"no": OK, "yes": STOP, "unsure": REVIEW}),
    Question("claustrophobia", "mri", "Are you claustrophobic (afraid of small or enclosed spaces)?",
             "We can plan for it, for example with a short break or a light sedative arranged by your doctor.",
             {"no": OK, "yes": REVIEW, "unsure": OK}),
    Question("kidney_disease", "contrast", "Do you have kidney disease, or are you on dialysis?",
             "The contrast medium is cleared by the kidneys.", {"no": OK, "yes": REVIEW, "unsure": REVIEW}),
    Question("contrast_allergy", "contrast",
             "Have you ever had an allergic reaction to contrast medium (dye) or iodine?",
             "A radiologist decides whether and how the scan can be done safely.",
             {"no": OK, "yes": REVIEW, "unsure": REVIEW}),
    Question("pregnancy", "pregnancy", "Are you pregnant, or could you be pregnant?",
             "Answer No if this does not apply to you.", {"no": OK, "yes": STOP, "unsure": REVIEW}),
)
BY_KEY = {q.key: q for q in QUESTIONS}


def questions_for(kinds: list[str] | tuple[str, ...]) -> list[Question]:
    return [q for q in QUESTIONS if q.kind in kinds]


@dataclass(frozen=True)
class Result:
    outcome: str  # ok / review / stop
    stops: tuple[str, ...]  # question keys answered with a stop
    reviews: tuple[str, ...]


def evaluate(kinds: list[str] | tuple[str, ...], answers: dict[str, str]) -> Result:
    """Judge a set of answers for the scan's screening kinds. A missing or unknown answer is a stop."""
    stops, reviews = [], []
    for question in questions_for(kinds):
        outcome = question.outcomes.get(answers.get(question.key, ""), STOP)
        if outcome == STOP:
            stops.append(question.key)
        elif outcome == REVIEW:
            reviews.append(question.key)
    outcome = STOP if stops else REVIEW if reviews else OK
    return Result(outcome, tuple(stops), tuple(reviews))


def describe(answers: dict[str, str]) -> list[dict[str, str]]:
    """The answers as (question, answer, outcome) rows for display."""
    labels = dict(ANSWERS)
    rows = []
    for key, answer in answers.items():
        question = BY_KEY.get(key)
        if question is None:
            continue
        rows.append({"question": question.text, "answer": labels.get(answer, answer),
                     "outcome": question.outcomes.get(answer, STOP)})
    return rows
