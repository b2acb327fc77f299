// Seal's verification page, for browsers with JavaScript: drag and drop onto the form, a
// progress note while the file is checked, and times shown in the reader's own time zone too.
// The page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const drop = document.querySelector(".drop");
  const input = document.getElementById("document");
  if (drop && input) {
    drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length > 0) { input.files = event.dataTransfer.files; }
    });
  }
  const form = document.querySelector("form.upload");
  if (form) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button");
      if (button) { button.disabled = true; button.textContent = button.dataset.progress || button.textContent; }
    });
  }
  for (const time of document.querySelectorAll("time[datetime]")) {
    const date = new Date(time.getAttribute("datetime"));
    if (!isNaN(date)) { time.textContent = date.toLocaleString(document.documentElement.lang) + " (" + time.textContent + ")"; }
  }
});
