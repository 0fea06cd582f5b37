"""Voice answers: the accepted containers, checking an upload's bytes against its type, and where recordings live."""

import secrets
from pathlib import Path

from flask import current_app

from services import storage
from services.interviewer.errors import AnswerTooLarge, BadAnswer

AUDIO_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/mpeg": "mp3", "audio/wav": "wav"}
# Browsers label one container in more than one way (Chromium records audio/webm, Firefox
# audio/ogg, Safari audio/mp4); the stored type is always the one the bytes show.
AUDIO_TYPE_ALIASES = {
    "video/webm": "audio/webm",
    "audio/x-m4a": "audio/mp4",
    "audio/mp3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
}


def recording_of(audio):
    """(bytes, content type) of an uploaded recording, or None when it is empty; refused unless it is
    an accepted container within AUDIO_MAX_BYTES whose bytes match its declared type."""
    declared = (audio.mimetype or "").lower()
    declared = AUDIO_TYPE_ALIASES.get(declared, declared)
    if declared not in AUDIO_EXTENSIONS:
        raise BadAnswer("The recording is not an audio file this site accepts.")
    data = audio.stream.read(current_app.config["AUDIO_MAX_BYTES"] + 1)
    if len(data) > current_app.config["AUDIO_MAX_BYTES"]:
        raise AnswerTooLarge(
            f"The recording is too large; the limit is {current_app.config['AUDIO_MAX_BYTES'] // (1024 * 1024)} MB."
        )
    if not data:
        return None
    if sniff_audio(data) != declared:
        raise BadAnswer("The recording's content is not the audio it claims to be; please record it again.")
    return data, declared


def sniff_audio(data):
    """The audio container the bytes are, by their magic numbers (a content type), or None."""
    if data.startswith(b"\x1aE\xdf\xa3"):  # EBML: WebM (MediaRecorder in Chromium)
        return "audio/webm"
    if data.startswith(b"OggS"):
        return "audio/ogg"
    if data[4:8] == b"ftyp":  # ISO base media: MP4/M4A (Safari)
        return "audio/mp4"
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):  # MPEG frame sync
        return "audio/mpeg"
    return None


def audio_folder():
    return Path(current_app.config["UPLOAD_FOLDER"]) / "audio"


def write_recording(data, content_type):
    """Store a recording, complete or not at all, under an unguessable name; returns its path."""
    return storage.write_file(audio_folder(), f"{secrets.token_hex(16)}.{AUDIO_EXTENSIONS[content_type]}", data)
