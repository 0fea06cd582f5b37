"""The interviewer: a question plan from the session snapshot, then one answer at a time.

keywords (skills and coverage), question_bank (the offline plan), llm (the optional provider and
the choice between it and the bank), session_flow (start, answers, time limits, finish), audio
(voice answers) and errors (what the interview refuses).
"""
