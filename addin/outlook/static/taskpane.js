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

// Our invites end with "OKR meeting key: okr-<kind>-<hex>" (see addin/outlook/plan.py).
const MEETING_KEY = /key: (okr-(?:checkin|review|retro)-[0-9a-f]{24}(?:-until-\d{8})?)/;

// The item's body as text, in the attendee's (read) and the organiser's (compose) form alike.
function bodyOfItem() {
  const item = Office.context.mailbox && Office.context.mailbox.item;
  if (!item || !item.body || typeof item.body.getAsync !== "function") return Promise.resolve("");
  return new Promise((resolve) => {
    item.body.getAsync(Office.CoercionType.Text, (result) => {
      resolve(result.status === Office.AsyncResultStatus.Succeeded ? String(result.value || "") : "");
    });
  });
}

// The meeting's team, from the meeting key its invite carries; null when it carries none
// (never another team's meeting by guess).
async function meetingOfItem() {
  const match = MEETING_KEY.exec(await bodyOfItem());
  if (!match) return null;
  return callBackend(`/api/meetings/${encodeURIComponent(match[1])}`);
}

// The agenda: KRs that moved since the last check-in, stale and low-confidence KRs, and
// dependencies to settle. Text only (textContent): nothing from the server becomes markup.
const AGENDA = [
  ["moved", "Moved since the last check-in",
    (x) => `${x.title}: ${x.change > 0 ? "+" : ""}${x.change} ${x.unit || ""}`.trim()],
  ["stale", "Not updated lately", (x) => x.title || x.message],
  ["low_confidence", "Low confidence", (x) => `${x.title}: ${x.message}`],
  ["dependencies", "Dependencies to settle", (x) => x.message],
  ["awaiting_answer", "Waiting for our answer", (x) => `${x.team}: ${x.title}`],
];

async function showAgenda(key) {
  const agenda = await callBackend(`/api/meetings/${encodeURIComponent(key)}/agenda`);
  const root = $("agenda");
  root.replaceChildren();
  for (const [field, title, line] of AGENDA) {
    const items = agenda[field] || [];
    if (!items.length) continue;
    const section = document.createElement("section");
    section.className = `agenda-${field}`;
    const heading = document.createElement("h2");
    heading.textContent = title;
    const list = document.createElement("ul");
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = line(item);
      list.appendChild(li);
    }
    section.append(heading, list);
    root.appendChild(section);
  }
  root.hidden = !root.children.length;
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

async function showTeam(name, quarter) {
  setState("Loading key results…");
  const team = await callBackend(`/api/teams/${encodeURIComponent(name)}`);
  const list = $("krs");
  list.replaceChildren();
  for (const objective of team.objectives) {
    for (const kr of objective.key_results) list.appendChild(krItem(kr));
  }
  await showDependencies(name, quarter || team.quarter);
  setState(`${team.team} · ${team.quarter}`);
}

// The dependency handshake: what the team depends on, who depends on it, and -- for the
// team's lead -- Accept / Decline with a note on each dependency on the team. Text only.
const STATE_LABELS = { accepted: "Accepted", declined: "Declined", unanswered: "Not answered" };

function answeredLine(dep) {
  if (dep.answered_by) return `${STATE_LABELS[dep.state]} by ${dep.answered_by} on ${dep.answered_at.slice(0, 10)}`;
  return dep.named_back ? "Not answered; their key results name it" : "Not answered yet";
}

function dependencyItem(dep, other, answerable, view) {
  const node = $("dependency-template").content.firstElementChild.cloneNode(true);
  const badge = node.querySelector(".answer");
  badge.textContent = STATE_LABELS[dep.state] || dep.state;
  badge.classList.add(dep.state);
  node.querySelector(".title").textContent = `${other}: ${dep.title}`;
  node.querySelector(".who").textContent = answeredLine(dep);
  node.querySelector(".note").textContent = dep.note || "";
  const form = node.querySelector("form");
  if (answerable) {
    form.hidden = false;
    form.note.value = dep.note || "";
    form.addEventListener("submit", (event) => answerDependency(event, dep, view));
  }
  return node;
}

async function showDependencies(team, quarter) {
  const query = quarter ? `?quarter=${encodeURIComponent(quarter)}` : "";
  const view = await callBackend(`/api/teams/${encodeURIComponent(team)}/dependencies${query}`);
  $("depends-on").replaceChildren(...view.depends_on.map((d) => dependencyItem(d, d.other_team, false, view)));
  $("depended-on-by").replaceChildren(
    ...view.depended_on_by.map((d) => dependencyItem(d, d.team, view.may_answer, view)));
  $("dependencies").hidden = !(view.depends_on.length || view.depended_on_by.length);
}

async function answerDependency(event, dep, view) {
  event.preventDefault();
  const state = event.submitter ? event.submitter.value : "accepted";
  const body = { state, note: event.target.note.value };
  try {
    await callBackend(
      `/api/teams/${encodeURIComponent(view.team)}/dependencies/${encodeURIComponent(dep.kr_id)}`,
      { method: "PUT", body: JSON.stringify(body), contentType: "application/json" });
    await showDependencies(view.team, view.quarter);
    setState(`${STATE_LABELS[state]} ${dep.team}'s dependency: ${dep.title}.`);
  } catch (err) {
    setState(err.message, true);
  }
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
  select.addEventListener("change", () => showTeam(select.value).catch((err) => setState(err.message, true)));
  select.disabled = false;
  let meeting = null;
  try {
    meeting = await meetingOfItem();
  } catch (err) {
    setState(`${err.message} Choose the team.`, true);
  }
  if (meeting && teams.some((t) => t.team === meeting.team)) {
    select.value = meeting.team;
    await showTeam(meeting.team, meeting.quarter);
    await showAgenda(meeting.key).catch((err) => setState(err.message, true));
    return;
  }
  // no key, or a team no longer here: ask, do not guess
  const choose = document.createElement("option");
  choose.value = "";
  choose.textContent = "Choose a team…";
  select.prepend(choose);
  select.value = "";
  if (!$("state").classList.contains("error")) {
    setState("This meeting is not one of the OKR meetings; choose the team to show.");
  }
}

Office.onReady((info) => {
  if (info.host !== Office.HostType.Outlook) {
    $("host-warning").hidden = false;
    setState("");
    return;
  }
  start().catch((err) => setState(err.message, true));
});
