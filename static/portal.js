// The candidate portal: countdown, browser checks, question timer, drafts, code editor, voice.
// The server decides every state; this file only keeps the page lively between its answers.
"use strict";

(() => {
  // One id per page load: the tab that loaded last holds the interview (the server enforces it).
  const clientId = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const initialised = new WeakSet();

  const formatClock = (seconds) => {
    seconds = Math.max(0, Math.ceil(seconds));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
  };
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  // Far away in days and hours, then hours and minutes, and seconds only within the last hour
  // (the portal's time_until filter words the first paint the same way).
  const formatUntil = (seconds) => {
    seconds = Math.max(0, Math.ceil(seconds));
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    if (days) return plural(days, "day") + (hours ? `, ${hours} h` : "");
    if (hours) return `${hours} h ${Math.floor((seconds % 3600) / 60)} min`;
    return formatClock(seconds);
  };
  // A question's timer warns at these seconds left, on screen and through its polite live region.
  const TIMER_WARNINGS = [
    [10, "timer-urgent", "10 seconds left for this question. Your answer is submitted when the time is up."],
    [60, "timer-warning", "1 minute left for this question."],
  ];

  // Every portal request names this tab.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.path.startsWith("/interview/")) event.detail.parameters.client_id = clientId;
  });

  // Keep <main data-portal-state> in step with the stage htmx swapped in.
  const syncState = () => {
    const stage = document.getElementById("portal-stage");
    const main = document.querySelector("main[data-portal-state]");
    if (stage && main) main.dataset.portalState = stage.dataset.state;
  };

  // A timer that counts down from the server's figure using the monotonic clock (immune to a wrong PC clock).
  function countdown(element, seconds, onTick, onZero) {
    const started = performance.now();
    let fired = false;
    const tick = () => {
      if (!document.body.contains(element)) return clearInterval(handle);
      const left = seconds - (performance.now() - started) / 1000;
      onTick(left);
      if (left <= 0 && !fired) {
        fired = true;
        onZero();
      }
    };
    const handle = setInterval(tick, 250);
    tick();
  }

  function setupCountdown(root) {
    const element = root.querySelector("[data-countdown]");
    if (!element) return;
    const value = element.querySelector("[data-countdown-value]");
    const announce = element.querySelector("[data-countdown-announce]");
    let lastMinute = null;
    countdown(element, Number(element.dataset.secondsLeft), (left) => {
      value.textContent = formatUntil(left);
      const minutes = Math.ceil(left / 60);
      if (minutes !== lastMinute && left > 0) {
        // Screen readers hear a polite update once a minute, not every second.
        lastMinute = minutes;
        announce.textContent = `The interview opens in ${left >= 3600 ? formatUntil(left) : `about ${plural(minutes, "minute")}`}.`;
      }
    }, () => htmx.trigger(element, "portal-zero"));
  }

  function setupLocalTimes(root) {
    root.querySelectorAll("[data-local-time]").forEach((element) => {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const when = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" }).format(new Date(element.dataset.localTime));
      element.textContent = `${when} (${zone}, your browser's time zone)`;
    });
  }

  function setupChecks(root) {
    const list = root.querySelector("[data-browser-checks]");
    if (!list) return;
    const storageWorks = (() => {
      try {
        localStorage.setItem("portal-check", "1");
        localStorage.removeItem("portal-check");
        return true;
      } catch {
        return false;
      }
    })();
    const results = {
      fetch: ["fetch" in window, "OK", "Your browser is too old; please use a current Chrome, Edge, Firefox or Safari."],
      storage: [storageWorks, "OK", "Not available (private mode?): keep this tab open until you submit."],
      speech: ["speechSynthesis" in window, "Available", "Not available; the questions are always shown as text."],
      recorder: ["MediaRecorder" in window && !!navigator.mediaDevices, "Available", "Not available; answer by typing."],
    };
    Object.entries(results).forEach(([name, [ok, good, bad]]) => {
      const item = list.querySelector(`[data-check="${name}"] .check-result`);
      item.textContent = ok ? good : bad;
      item.classList.add(ok ? "check-ok" : "check-bad");
    });
    const micButton = root.querySelector("[data-mic-test-start]");
    if (!results.recorder[0]) {
      micButton.disabled = true;
      return;
    }
    micButton.addEventListener("click", async () => {
      const status = root.querySelector("[data-mic-status]");
      const meter = root.querySelector("[data-mic-level]");
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        const context = new AudioContext();
        const analyser = context.createAnalyser();
        context.createMediaStreamSource(stream).connect(analyser);
        const samples = new Uint8Array(analyser.fftSize);
        status.textContent = "Say a few words: the bar should move.";
        const stopAt = performance.now() + 5000;
        const draw = () => {
          analyser.getByteTimeDomainData(samples);
          meter.value = Math.min(1, samples.reduce((peak, v) => Math.max(peak, Math.abs(v - 128)), 0) / 64);
          if (performance.now() < stopAt) return requestAnimationFrame(draw);
          stream.getTracks().forEach((track) => track.stop());
          context.close();
          meter.value = 0;
          status.textContent = "Microphone test finished.";
        };
        draw();
      } catch {
        status.textContent = "The microphone could not be used. You can still answer by typing.";
      }
    });
  }

  // --- questions ---------------------------------------------------------------------------

  function readDraft(key) {
    try {
      return JSON.parse(localStorage.getItem(key) || "null");
    } catch {
      return null;
    }
  }

  function restoreDraft(form) {
    const draft = readDraft(form.dataset.draftKey);
    if (!draft) return;
    form.querySelectorAll("[data-draft-field]").forEach((field) => {
      if (typeof draft[field.name] === "string") field.value = draft[field.name];
    });
  }

  // Saved from one document-wide listener, not one per form: htmx runs htmx:load (our setup) only
  // when a swap settles, and what is typed into a just-swapped question before then must count too.
  document.addEventListener("input", (event) => {
    const form = event.target.closest("[data-answer-form]");
    if (!form || !event.target.matches("[data-draft-field]")) return;
    const values = {};
    form.querySelectorAll("[data-draft-field]").forEach((field) => { values[field.name] = field.value; });
    try {
      localStorage.setItem(form.dataset.draftKey, JSON.stringify(values));
    } catch {
      // Storage full or disabled: the answer still goes to the server on submit.
    }
  });

  // The server confirmed an answer: its draft can go.
  document.addEventListener("answer-saved", (event) => {
    localStorage.removeItem(`interview-draft:${event.detail.question_id}`);
  });

  function setupTimer(section, form) {
    const value = section.querySelector("[data-timer]");
    const announce = section.querySelector("[data-timer-announce]");
    const timer = value.closest(".timer");
    let lastMinute = null;
    let warned = null;
    countdown(section, Number(section.dataset.secondsLeft), (left) => {
      value.textContent = formatClock(left);
      if (left <= 0) return;
      const warning = TIMER_WARNINGS.find(([seconds]) => left <= seconds);
      if (warning) {
        if (warned !== warning) {
          warned = warning;
          TIMER_WARNINGS.forEach(([, className]) => timer.classList.toggle(className, className === warning[1]));
          announce.textContent = warning[2];
        }
        return;
      }
      const minutes = Math.ceil(left / 60);
      if (minutes !== lastMinute) {
        lastMinute = minutes;
        announce.textContent = `${plural(minutes, "minute")} left for this question.`;
      }
    }, () => {
      // Time is up: send what is typed (the server accepts it for a few seconds more), unasked.
      announce.textContent = "Time is up; your answer is being submitted.";
      form.dataset.timeUp = "true";
      section.querySelector("[data-empty-answer]")?.close();
      form.requestSubmit();
    });
  }

  function setupSpeech(section) {
    const button = section.querySelector("[data-speak]");
    if (!("speechSynthesis" in window)) {
      button.hidden = true;
      return;
    }
    button.addEventListener("click", () => {
      const utterance = new SpeechSynthesisUtterance(section.querySelector(".question-text").textContent);
      const lang = section.dataset.lang || "en-IN";
      utterance.lang = lang;
      const voices = speechSynthesis.getVoices();
      utterance.voice = voices.find((v) => v.lang === lang) || voices.find((v) => v.lang.startsWith("en")) || null;
      speechSynthesis.cancel();
      speechSynthesis.speak(utterance);
    });
  }

  function setupEditor(form) {
    const editor = form.querySelector("[data-code-editor]");
    if (!editor) return;
    const view = form.querySelector("[data-code-view]");
    const pre = view.parentElement;
    let escaped = false;
    const render = () => {
      // A trailing newline needs a character after it or the <pre> is one line short.
      view.textContent = editor.value + (editor.value.endsWith("\n") ? " " : "");
      if (window.Prism) Prism.highlightElement(view);
      pre.scrollTop = editor.scrollTop;
      pre.scrollLeft = editor.scrollLeft;
    };
    editor.addEventListener("input", render);
    editor.addEventListener("scroll", () => {
      pre.scrollTop = editor.scrollTop;
      pre.scrollLeft = editor.scrollLeft;
    });
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        escaped = true;
        return;
      }
      if (event.key !== "Tab" || escaped || event.ctrlKey || event.altKey || event.metaKey) {
        escaped = false;
        return;
      }
      event.preventDefault();
      const { selectionStart: start, selectionEnd: end, value } = editor;
      const lineStart = value.lastIndexOf("\n", start - 1) + 1;
      if (event.shiftKey) {
        const removable = value.slice(lineStart, lineStart + 4).match(/^ {1,4}/);
        if (!removable) return;
        editor.setRangeText("", lineStart, lineStart + removable[0].length, "preserve");
      } else if (start === end) {
        editor.setRangeText("    ", start, end, "end");
      } else {
        const block = value.slice(lineStart, end).replace(/^/gm, "    ");
        editor.setRangeText(block, lineStart, end, "select");
      }
      editor.dispatchEvent(new Event("input", { bubbles: true }));
    });
    render();
  }

  function setupVoice(form) {
    const voice = form.querySelector("[data-voice]");
    if (!voice || !("MediaRecorder" in window) || !navigator.mediaDevices) return;
    voice.hidden = false;
    const start = voice.querySelector("[data-record-start]");
    const stop = voice.querySelector("[data-record-stop]");
    const preview = voice.querySelector("[data-record-preview]");
    const input = voice.querySelector("[data-audio-input]");
    const status = voice.querySelector("[data-record-status]");
    let recorder = null;
    start.addEventListener("click", async () => {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        const chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
        recorder.addEventListener("stop", () => {
          stream.getTracks().forEach((track) => track.stop());
          const type = (recorder.mimeType || "audio/webm").split(";")[0];
          const file = new File(chunks, `answer.${type.split("/")[1]}`, { type });
          const transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          preview.src = URL.createObjectURL(file);
          preview.hidden = false;
          status.textContent = "Recording ready; it is sent with your answer.";
        });
        recorder.start();
        start.disabled = true;
        stop.disabled = false;
        status.textContent = "Recording…";
      } catch {
        status.textContent = "The microphone could not be used. Please type your answer.";
      }
    });
    stop.addEventListener("click", () => {
      recorder?.stop();
      start.disabled = false;
      stop.disabled = true;
    });
  }

  // An answer with nothing typed (the fields as the question arrived, no recording) is sent only
  // after the candidate confirms it in a dialog; htmx waits for that through htmx:confirm.
  function nothingTyped(form) {
    const fields = [...form.querySelectorAll("[data-draft-field]")];
    const recording = form.querySelector("[data-audio-input]");
    return fields.every((field) => field.value.trim() === field.defaultValue.trim()) && !recording?.files.length;
  }

  document.addEventListener("htmx:confirm", (event) => {
    const form = event.detail.elt;
    if (!form.matches?.("[data-answer-form]") || form.dataset.timeUp || !nothingTyped(form)) return;
    const dialog = form.closest("[data-question]").querySelector("[data-empty-answer]");
    event.preventDefault();
    dialog.returnValue = "";
    dialog.addEventListener("close", () => {
      if (dialog.returnValue === "submit") event.detail.issueRequest(true);
    }, { once: true });
    dialog.showModal();
    dialog.querySelector("[data-keep-answering]").focus();
  });

  function setupQuestion(root) {
    const section = root.querySelector("[data-question]");
    if (!section) return;
    const form = section.querySelector("[data-answer-form]");
    restoreDraft(form);
    setupEditor(form);
    setupVoice(form);
    setupSpeech(section);
    setupTimer(section, form);
  }

  // A page loaded straight into a running interview claims it for this tab (a reload or a second tab).
  function claimOnLoad() {
    const section = document.querySelector("[data-question]");
    if (!section) return;
    // The answer form carries the CSRF token (the portal page sets none on <body>).
    const token = section.querySelector('input[name="csrf_token"]');
    const body = new URLSearchParams({ session_key: section.dataset.sessionKey, client_id: clientId, csrf_token: token ? token.value : "" });
    fetch(section.dataset.claimUrl, { method: "POST", body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
  }

  function setup(root) {
    if (initialised.has(root)) return;
    initialised.add(root);
    syncState();
    setupLocalTimes(root);
    setupCountdown(root);
    setupChecks(root);
    setupQuestion(root);
  }

  document.addEventListener("htmx:load", (event) => setup(event.detail.elt));
  document.addEventListener("DOMContentLoaded", () => {
    setup(document.body);
    claimOnLoad();
  });
})();
