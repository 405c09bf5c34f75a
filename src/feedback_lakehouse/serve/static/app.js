// The workspace's only script: draws the charts and drives the review keyboard.
"use strict";

function drawCharts() {
  for (const el of document.querySelectorAll(".chart[data-figure]")) {
    const figure = JSON.parse(el.dataset.figure);
    Plotly.newPlot(el, figure.data, figure.layout, { displayModeBar: false, responsive: true });
  }
}

function skipped() {
  const skip = new URL(window.location.href).searchParams.get("skip") || "";
  return skip.split(",").filter(Boolean);
}

async function decide(form, verdict) {
  const status = document.getElementById("review-status");
  const reviewer = document.getElementById("reviewer").value.trim();
  if (!reviewer) {
    status.textContent = "Fill in the reviewer first (press Esc, then click the field).";
    document.getElementById("reviewer").focus();
    return;
  }
  localStorage.setItem("reviewer", reviewer);
  const body = { feedback_id: form.dataset.feedbackId, reviewer: reviewer, verdict: verdict };
  for (const name of ["corrected_category", "corrected_sentiment", "corrected_urgency", "note"]) {
    body[name] = document.getElementById(name).value.trim();
  }
  status.textContent = "saving...";
  const response = await fetch("/api/decisions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    status.textContent = "Not saved: " + answer.errors.join("; ");
    status.className = "problem";
    return;
  }
  status.textContent = "saved to " + answer.file;
  window.location.reload();
}

function corrected() {
  return ["corrected_category", "corrected_sentiment", "corrected_urgency"].some(
    (name) => document.getElementById(name).value.trim() !== "",
  );
}

function reviewKeys() {
  const form = document.getElementById("review-form");
  if (!form) return;
  const reviewer = document.getElementById("reviewer");
  reviewer.value = localStorage.getItem("reviewer") || "";
  form.addEventListener("submit", (event) => event.preventDefault());
  const fields = { c: "corrected_category", s: "corrected_sentiment", u: "corrected_urgency" };
  document.addEventListener("keydown", (event) => {
    const inField = event.target instanceof HTMLInputElement;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (inField) {
      if (event.key === "Escape") event.target.blur();
      if (event.key === "Enter" && event.target.id.startsWith("corrected_") && corrected()) {
        event.preventDefault();
        decide(form, "incorrect");
      }
      return;
    }
    if (event.key in fields) {
      event.preventDefault();
      document.getElementById(fields[event.key]).focus();
    } else if (event.key === "y") {
      decide(form, "useful");
    } else if (event.key === "x") {
      decide(form, "incorrect");
    } else if (event.key === "r") {
      decide(form, "needs_refinement");
    } else if (event.key === "n") {
      const url = new URL(window.location.href);
      url.searchParams.set("skip", [...skipped(), form.dataset.feedbackId].join(","));
      window.location.href = url.toString();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  drawCharts();
  reviewKeys();
  document.body.dataset.ready = "1";
});
