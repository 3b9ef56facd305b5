/* Host side of Podscape's postMessage API for the demo course page. */
(function () {
  "use strict";

  var NOT_STARTED = "Not started.";
  var origin = window.location.origin;
  var lessons = [];

  function isCount(n) {
    return typeof n === "number" && Number.isInteger(n) && n >= 0;
  }

  function setProgress(lesson, text, stepsDone) {
    if (!lesson.progress) return;
    lesson.progress.textContent = text;
    if (stepsDone !== undefined) {
      lesson.progress.setAttribute("data-steps-done", String(stepsDone));
    }
  }

  function post(lesson, message) {
    var win = lesson.frame.contentWindow;
    if (!win) return;
    try {
      win.postMessage(message, origin);
    } catch (err) {
      // An opaque origin (e.g. a file:// page) cannot be targeted; nothing to do.
    }
  }

  function reset(lesson) {
    lesson.started = false;
    post(lesson, { type: "podscape:reset" });
    setProgress(lesson, NOT_STARTED, 0);
  }

  function findLesson(source) {
    for (var i = 0; i < lessons.length; i++) {
      if (source && lessons[i].frame.contentWindow === source) return lessons[i];
    }
    return null;
  }

  function onMessage(event) {
    if (event.origin !== origin) return;
    var lesson = findLesson(event.source);
    if (!lesson) return;
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;

    switch (data.type) {
      case "podscape:ready":
        if (!lesson.started) {
          setProgress(lesson, "Ready: step 1 of the lesson is waiting.");
        }
        break;
      case "podscape:check-passed":
        lesson.started = true;
        break;
      case "podscape:step-completed":
        if (!isCount(data.step) || !isCount(data.steps)) return;
        lesson.started = true;
        var done = data.step + 1;
        setProgress(
          lesson,
          data.finished === true ? "Lesson complete." : "Step " + done + " of " + data.steps + " done.",
          done
        );
        break;
      default:
        // podscape:event, podscape:output and podscape:error are not shown on this page.
        break;
    }
  }

  function scenarioOf(frame) {
    try {
      var name = new URL(frame.getAttribute("src") || "", window.location.href).searchParams.get("scenario");
      if (name) return name;
    } catch (err) {
      // fall back to the test id below
    }
    return (frame.getAttribute("data-testid") || "").replace(/^frame-/, "");
  }

  function init() {
    var frames = document.querySelectorAll("iframe.podscape");
    for (var i = 0; i < frames.length; i++) {
      var frame = frames[i];
      var name = scenarioOf(frame);
      var progress = null;
      var all = document.querySelectorAll(".progress[data-for]");
      for (var j = 0; j < all.length; j++) {
        if (all[j].getAttribute("data-for") === name) { progress = all[j]; break; }
      }
      var lesson = { name: name, frame: frame, progress: progress, started: false };
      lessons.push(lesson);
      if (progress) progress.setAttribute("data-steps-done", "0");

      var button = document.createElement("button");
      button.type = "button";
      button.className = "reset";
      button.textContent = "Reset exercise";
      button.setAttribute("data-testid", "reset-" + name);
      button.addEventListener("click", reset.bind(null, lesson));
      (progress || frame).insertAdjacentElement("afterend", button);
    }
  }

  window.addEventListener("message", onMessage);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
