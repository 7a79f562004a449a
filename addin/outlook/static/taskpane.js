// Outlook task pane: in an OKR meeting, show the team's key results with their status
// and record check-ins without leaving the meeting.
/* global Office, callBackend */
"use strict";

function $(id) { return document.getElementById(id); }

function setState(text, isError = false) {
  $("state").textContent = text;
  $("state").classList.toggle("error", isError);
}

function percent(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
}

function subjectOfItem() {
  const item = Office.context.mailbox && Office.context.mailbox.item;
  return item && typeof item.subject === "string" ? item.subject : "";
}

// The meeting's team: the team whose name its subject mentions (our invites name it).
function teamFromSubject(teams, subject) {
  const lower = subject.toLowerCase();
  const named = teams.filter((t) => lower.includes(t.team.toLowerCase()));
  named.sort((a, b) => b.team.length - a.team.length);
  return named.length ? named[0].team : teams.length ? teams[0].team : null;
}

function krItem(kr) {
  const node = $("kr-template").content.firstElementChild.cloneNode(true);
  node.querySelector(".title").textContent = kr.title;
  const status = node.querySelector(".status");
  status.textContent = kr.status;
  status.classList.add(kr.status);
  node.querySelector(".numbers").textContent =
    `${kr.current ?? "–"} of ${kr.target ?? "–"} ${kr.unit || ""} · progress ${percent(kr.progress)}` +
    ` · confidence ${percent(kr.confidence)} · ${kr.owner || "no owner"}`;
  node.querySelector("form").addEventListener("submit", (event) => checkIn(event, kr));
  return node;
}

async function showTeam(name) {
  setState("Loading key results…");
  const team = await callBackend(`/api/teams/${encodeURIComponent(name)}`);
  const list = $("krs");
  list.replaceChildren();
  for (const objective of team.objectives) {
    for (const kr of objective.key_results) list.appendChild(krItem(kr));
  }
  setState(`${team.team} · ${team.quarter}`);
}

async function checkIn(event, kr) {
  event.preventDefault();
  const form = event.target;
  const body = { value: Number(form.value.value), note: form.note.value };
  if (form.confidence.value) body.confidence = form.confidence.value;
  try {
    await callBackend(`/api/key-results/${encodeURIComponent(kr.id)}/checkins`, {
      method: "POST", body: JSON.stringify(body), contentType: "application/json",
    });
    await showTeam($("team").value);
    setState(`Checked in ${kr.title}.`);
  } catch (err) {
    setState(err.message, true);
  }
}

async function start() {
  const { teams } = await callBackend("/api/teams");
  const select = $("team");
  for (const team of teams) {
    const option = document.createElement("option");
    option.value = team.team;
    option.textContent = team.team;
    select.appendChild(option);
  }
  if (!teams.length) {
    setState("No OKRs yet: sync a workbook from Excel first.");
    return;
  }
  select.value = teamFromSubject(teams, subjectOfItem());
  select.disabled = false;
  select.addEventListener("change", () => showTeam(select.value).catch((err) => setState(err.message, true)));
  await showTeam(select.value);
}

Office.onReady((info) => {
  if (info.host !== Office.HostType.Outlook) {
    $("host-warning").hidden = false;
    setState("");
    return;
  }
  start().catch((err) => setState(err.message, true));
});
