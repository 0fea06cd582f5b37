"""Mixed traffic for bench/load.py: recruiters (calendar, dashboard, booking) and candidates (portal, answers).

The ids come from the JSON file named by BENCH_SEED (written by bench/load.py). Any answer that is
not the expected status is a failure; the benchmark requires none.
"""

import json
import os
import re
import threading
import uuid
from pathlib import Path

from locust import FastHttpUser, between, task

SEED = json.loads(Path(os.environ["BENCH_SEED"]).read_text())
_pending = iter(SEED["pending_interviews"])
_sessions = iter(SEED["live_sessions"])
_lock = threading.Lock()
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUESTION_ID = re.compile(r'name="question_id"[^>]*value="([^"]+)"')


def take(iterator):
    with _lock:
        return next(iterator, None)


class Recruiter(FastHttpUser):
    weight = 1
    wait_time = between(0.05, 0.3)

    def on_start(self):
        page = self.client.get("/login").text
        token = CSRF_INPUT.search(page).group(1)
        self.client.post("/login", data={"email": SEED["email"], "password": SEED["password"], "csrf_token": token})

    @task(3)
    def calendar(self):
        self.client.get("/slots/?view=week&date=" + SEED["week"], name="/slots/ (week)")

    @task(2)
    def month(self):
        self.client.get("/slots/?view=month&date=" + SEED["week"], name="/slots/ (month)")

    @task(3)
    def dashboard(self):
        self.client.get("/interviews/dashboard")

    @task(2)
    def book(self):
        pair = take(_pending)
        if pair is None:
            return
        interview_id, slot_id = pair
        with self.client.post(
            f"/api/interviews/slots/{slot_id}/book_slot/",
            json={"interview_id": interview_id, "booking_notes": "load test"},
            headers={"Authorization": f"Token {SEED['token']}"},
            name="/api/interviews/slots/[id]/book_slot/",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"booking answered {response.status_code}: {response.text[:200]}")


class Candidate(FastHttpUser):
    weight = 3
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.key = take(_sessions)
        self.client_id = uuid.uuid4().hex
        self.question_id = None
        if self.key is None:
            return
        page = self.client.get(f"/?session_key={self.key}", name="/?session_key=[live]").text
        token = CSRF_INPUT.search(page).group(1)
        stage = self.client.post(
            "/interview/start",
            data={"session_key": self.key, "client_id": self.client_id, "csrf_token": token},
            headers={"HX-Request": "true"},
        ).text
        self.read_question(stage)

    def read_question(self, fragment):
        match = QUESTION_ID.search(fragment)
        self.question_id = match.group(1) if match else None
        token = CSRF_INPUT.search(fragment)
        self.token = token.group(1) if token else None

    @task(4)
    def countdown(self):
        self.client.get(
            f"/?session_key={SEED['countdown_sessions'][hash(self.client_id) % len(SEED['countdown_sessions'])]}",
            name="/?session_key=[countdown]",
        )

    @task(3)
    def heartbeat(self):
        if self.question_id:
            self.client.get(
                "/interview/stage",
                params={"session_key": self.key, "question_id": self.question_id, "client_id": self.client_id},
                headers={"HX-Request": "true"},
                name="/interview/stage (heartbeat)",
            )

    @task(2)
    def answer(self):
        if not self.question_id:
            return
        stage = self.client.post(
            "/interview/answer",
            data={
                "session_key": self.key,
                "question_id": self.question_id,
                "client_id": self.client_id,
                "text": "I would start from the requirements, then measure. " * 5,
                "code": "print('ok')",
                "csrf_token": self.token,
            },
            headers={"HX-Request": "true"},
        ).text
        self.read_question(stage)
