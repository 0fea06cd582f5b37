"""Skills and keywords of a job and a resume, and which expected points an answer mentions."""

import math
import re
from collections import Counter
from functools import lru_cache

from services.interviewer.question_bank import load_bank

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "like",
        "me",
        "more",
        "most",
        "must",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "role",
        "job",
        "work",
        "working",
        "team",
        "teams",
        "company",
        "candidate",
        "candidates",
        "experience",
        "years",
        "year",
        "using",
        "use",
        "used",
        "strong",
        "good",
        "great",
        "ability",
        "new",
        "title",
        "description",
        "domain",
    ]
)


def _words(text):
    return re.findall(r"[a-z0-9][a-z0-9+#.\-/]*[a-z0-9+#]|[a-z0-9]", (text or "").lower())


def _stem(word):
    """A crude stem so "hashing", "hashes" and "hash" meet."""
    for suffix in ("ing", "ies", "es", "ed", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:7]


def _alias_pattern(alias):
    return re.compile(r"(?<![\w#+.])" + re.escape(alias.lower()) + r"(?![\w#+])")


@lru_cache(maxsize=1)
def _skill_patterns():
    skills = load_bank()["technical"]["skills"]
    return {name: [_alias_pattern(a) for a in spec["aliases"]] for name, spec in skills.items()}


def _skills_in(text):
    """Bank skills mentioned in `text`, most mentioned first."""
    lowered = (text or "").lower()
    counts = {name: sum(len(p.findall(lowered)) for p in patterns) for name, patterns in _skill_patterns().items()}
    return [name for name, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n]


def _experience_years(resume_text):
    years = [int(n) for n in re.findall(r"(\d{1,2})\+?\s*(?:years|yrs)", (resume_text or "").lower())]
    return max(years) if years else None


def _difficulty(job_description, years):
    """1 junior, 2 mid, 3 senior — from the job's wording, else the resume's years."""
    text = (job_description or "").lower()
    if re.search(r"\b(senior|lead|principal|staff|architect)\b", text):
        return 3
    if re.search(r"\b(junior|intern|graduate|trainee|entry)\b", text):
        return 1
    if years is None:
        return 2
    return 1 if years < 2 else 2 if years < 5 else 3


def analyse_keywords(job_description, resume_text, coding_language):
    """Skills and keywords of the job and resume, with the coding language (seed 001's CODING_LANG)."""
    job_skills, resume_skills = _skills_in(job_description), _skills_in(resume_text)
    counts = Counter(w for w in _words(job_description) if w not in STOPWORDS and len(w) > 2 and not w.isdigit())
    years = _experience_years(resume_text)
    return {
        "CODING_LANG": coding_language,
        "coding_language": coding_language,
        "job_skills": job_skills,
        "resume_skills": resume_skills,
        "matched_skills": [s for s in job_skills if s in resume_skills],
        "keywords": [word for word, _ in counts.most_common(15)],
        "experience_years": years,
        "difficulty": _difficulty(job_description, years),
    }


def keyword_coverage(expected_points, answer_text):
    """Which expected points an answer mentions (an aid for reviewers, never a score)."""
    said = {_stem(w) for w in _words(answer_text)}
    matched, missing = [], []
    for point in expected_points or []:
        terms = [_stem(w) for w in _words(point) if w not in STOPWORDS] or [_stem(w) for w in _words(point)]
        hits = sum(term in said for term in terms)
        (matched if terms and hits >= math.ceil(len(terms) / 2) else missing).append(point)
    total = len(matched) + len(missing)
    return {"matched": matched, "missing": missing, "ratio": round(len(matched) / total, 2) if total else None}
