// Excel task pane: send the open workbook to the backend, write the status it returns
// back into the cells, and list every finding next to where it is.
/* global Office, Excel, callBackend */
"use strict";

const SLICE = 4 * 1024 * 1024;
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
// Text that Excel would otherwise read as a formula (or DDE) is written as text.
const FORMULA_START = /^[=+\-@\t\r\uFF1D]/;

function $(id) { return document.getElementById(id); }

function setState(text, isError = false) {
  $("state").textContent = text;
  $("state").classList.toggle("error", isError);
}

function readSlice(file, index) {
  return new Promise((resolve, reject) => {
    file.getSliceAsync(index, (result) => {
      if (result.status === Office.AsyncResultStatus.Succeeded) resolve(result.value.data);
      else reject(new Error(result.error.message));
    });
  });
}

// The workbook as saved bytes (.xlsx), read in slices as Office hands it over.
function readWorkbook() {
  return new Promise((resolve, reject) => {
    Office.context.document.getFileAsync(Office.FileType.Compressed, { sliceSize: SLICE }, async (result) => {
      if (result.status !== Office.AsyncResultStatus.Succeeded) {
        reject(new Error(result.error.message));
        return;
      }
      const file = result.value;
      try {
        const parts = [];
        for (let i = 0; i < file.sliceCount; i++) parts.push(new Uint8Array(await readSlice(file, i)));
        resolve(new Blob(parts, { type: XLSX }));
      } catch (err) {
        reject(err);
      } finally {
        file.closeAsync();
      }
    });
  });
}

function cellText(cell) {
  if (cell.value === null || cell.value === undefined) return "";
  if (cell.kind === "text" && FORMULA_START.test(String(cell.value))) return `'${cell.value}`;
  return cell.value;
}

// The document property the backend reads a workbook's id and revision from ("WB-…#r7"):
// a copy of this workbook is merged against the revision it was made from (no lost updates).
const REVISION_PROPERTY = "OKRCadenceWorkbookId";

// Write what the sync returned: one context.sync() reads the target cells' formulas, one writes.
// A cell the manager gave a formula keeps it, as the server's file write-back does.
async function applyCells(cells, revision) {
  await Excel.run(async (context) => {
    // ExcelApi 1.7 (the manifest's minimum): creates the property or replaces its value
    if (revision) context.workbook.properties.custom.add(REVISION_PROPERTY, revision);
    const ranges = cells.map((cell) =>
      context.workbook.worksheets.getItem(cell.sheet).getCell(cell.row - 1, cell.column - 1).load("formulas"));
    await context.sync();
    cells.forEach((cell, i) => {
      const range = ranges[i];
      if (String(range.formulas[0][0]).startsWith("=")) return;
      if (cell.kind === "percent") range.numberFormat = [["0%"]];
      if (cell.kind === "date") range.numberFormat = [["yyyy-mm-dd"]];
      range.values = [[cellText(cell)]];
    });
    await context.sync();
  });
}

function renderList(listId, sectionId, items, render) {
  const list = $(listId);
  list.replaceChildren();
  for (const item of items) list.appendChild(render(item));
  $(sectionId).hidden = items.length === 0;
}

function findingItem(finding) {
  const li = document.createElement("li");
  li.className = `severity-${finding.severity}`;
  const title = document.createElement("strong");
  title.textContent = finding.pitfall || finding.rule;
  const message = document.createElement("span");
  message.textContent = ` ${finding.message}`;
  const where = document.createElement("span");
  where.className = "where";
  const loc = finding.location || {};
  where.textContent = [loc.sheet, loc.cell || (loc.row && `row ${loc.row}`), loc.key_result]
    .filter(Boolean).join(" · ");
  li.append(title, message, where);
  if (finding.suggestion) {
    const suggestion = document.createElement("span");
    suggestion.className = "suggestion";
    suggestion.textContent = `Try: ${finding.suggestion}`;
    li.appendChild(suggestion);
  }
  return li;
}

function conflictItem(conflict) {
  const li = document.createElement("li");
  li.textContent = `${conflict.key_result} ${conflict.field}: this workbook says ${conflict.workbook}, ` +
    `OKR Cadence has ${conflict.stored}. Sync again to keep the workbook's value.`;
  return li;
}

// ---- the mapping: a drop-down per field, listing the sheet's columns with sample values
const MAP_FIELDS = [
  ["key_result", "Key result"], ["objective", "Objective"], ["team", "Team"], ["owner", "Owner"],
  ["baseline", "Baseline"], ["target", "Target"], ["current", "Current"], ["confidence", "Confidence"],
  ["due", "Due"], ["unit", "Unit"], ["id", "ID"], ["ref", "Outline number (1, 1.1)"],
  ["title", "Outline text (objective or key result)"], ["objective_ref", "Objective ID (link)"],
];
const LOW_CONFIDENCE = 0.5;
let proposal = null; // the mapping shown: {sheets: [...]}
let lastWorkbook = null;

function columnLabel(col) {
  const head = col.header ? col.header : "(no header)";
  const sample = (col.samples || [])[0];
  return `${col.column} · ${head}` + (sample ? ` · e.g. ${sample}` : "");
}

function renderMappingSheet() {
  const sheet = proposal.sheets.find((s) => s.sheet === $("mapping-sheet").value) || proposal.sheets[0];
  if (!sheet) return;
  $("mapping-row").value = sheet.header_row || 1;
  const body = $("mapping-fields").tBodies[0];
  body.replaceChildren();
  const placed = { ...(sheet.columns || {}), ...(sheet.links || {}) };
  for (const [field, label] of MAP_FIELDS) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = label;
    const cell = document.createElement("td");
    const select = document.createElement("select");
    select.dataset.field = field;
    select.setAttribute("aria-label", label);
    const none = document.createElement("option");
    none.value = "";
    none.textContent = "(none)";
    select.appendChild(none);
    for (const col of sheet.available || []) {
      const option = document.createElement("option");
      option.value = col.column;
      option.textContent = columnLabel(col); // text, never markup: cells are user content
      select.appendChild(option);
    }
    select.value = placed[field] || "";
    cell.appendChild(select);
    tr.append(name, cell);
    body.appendChild(tr);
  }
}

function showMapping(mapping, why) {
  proposal = mapping;
  const select = $("mapping-sheet");
  select.replaceChildren();
  for (const sheet of mapping.sheets.filter((s) => s.role !== "ignored")) {
    const option = document.createElement("option");
    option.value = sheet.sheet;
    option.textContent = sheet.sheet;
    select.appendChild(option);
  }
  $("mapping-why").textContent = why;
  renderMappingSheet();
  $("mapping-section").hidden = false;
}

function chosenMapping() {
  const columns = {};
  const links = {};
  for (const select of $("mapping-fields").querySelectorAll("select")) {
    if (!select.value) continue;
    (select.dataset.field === "objective_ref" ? links : columns)[select.dataset.field] = select.value;
  }
  const sheet = { sheet: $("mapping-sheet").value, role: "key_results",
    header_row: Number($("mapping-row").value) || 1, columns };
  if (Object.keys(links).length) sheet.links = links;
  return { version: 1, sheets: [sheet] };
}

async function proposeMapping(workbook, why) {
  const answer = await callBackend("/api/map", { method: "POST", body: workbook, contentType: XLSX });
  showMapping(answer.mapping, answer.refusal || why);
}

async function syncWithMapping() {
  $("mapping-save").disabled = true;
  try {
    const form = new FormData();
    form.append("workbook", lastWorkbook || await readWorkbook(), "workbook.xlsx");
    form.append("mapping", JSON.stringify(chosenMapping()));
    setState("Syncing with these columns…");
    const report = await callBackend("/api/sync", { method: "POST", body: form });
    await applyCells(report.cells || [], report.workbook_revision);
    showReport(report);
    $("mapping-section").hidden = true;
    setState(`Synced. ${(report.findings || []).length} finding(s). The columns are saved with this workbook.`);
  } catch (err) {
    setState(err.message, true);
  } finally {
    $("mapping-save").disabled = false;
  }
}

function showReport(report) {
  if ("created" in report) {
    for (const key of ["created", "updated", "unchanged", "archived", "checkins"]) $(key).textContent = report[key];
    $("quarters").textContent = (report.quarters || []).join(", ");
    $("summary").hidden = false;
  }
  $("layout").textContent = [report.summary, report.layout_note].filter(Boolean).join(" ");
  const mapping = report.mapping;
  if (mapping && mapping.confidence < LOW_CONFIDENCE) {
    showMapping(mapping, "Some columns were placed by what they hold, not by their headers: check them.");
  }
  renderList("conflicts", "conflicts-section", report.conflicts || [], conflictItem);
  renderList("findings", "findings-section", report.findings || [], findingItem);
}

async function run(path, apply) {
  for (const id of ["sync", "lint"]) $(id).disabled = true;
  try {
    setState("Reading the workbook…");
    const workbook = await readWorkbook();
    lastWorkbook = workbook;
    setState("Checking with OKR Cadence…");
    let report;
    try {
      report = await callBackend(path, { method: "POST", body: workbook, contentType: XLSX });
    } catch (err) {
      // no table found: show the sheets' columns so the manager can say which is which, once
      if (err.code === "no_okr_table") await proposeMapping(workbook, err.message);
      throw err;
    }
    if (apply) {
      setState("Writing status into the workbook…");
      await applyCells(report.cells || [], report.workbook_revision);
    }
    showReport(report);
    const problems = (report.findings || []).length;
    setState(apply ? `Synced. ${problems} finding(s).` : `Checked. ${problems} finding(s).`);
  } catch (err) {
    setState(err.message, true);
  } finally {
    for (const id of ["sync", "lint"]) $(id).disabled = false;
  }
}

// Teams of today's quarter (at a retro, the quarter that closes) for the next-quarter and
// calendar pickers.
async function loadTeams() {
  const { teams } = await callBackend("/api/teams");
  for (const [selectId, sectionId] of [["next-team", "next-section"], ["feed-team", "feed-section"]]) {
    const select = $(selectId);
    select.replaceChildren();
    for (const team of teams || []) {
      const option = document.createElement("option");
      option.value = team.team;
      option.textContent = team.team;
      select.appendChild(option);
    }
    $(sectionId).hidden = select.options.length === 0;
  }
}

// The team's calendar feed: the link is shown once (the server keeps only a hash of it).
async function changeFeed(method) {
  const team = $("feed-team").value;
  const url = $("feed-url");
  for (const id of ["feed-make", "feed-revoke"]) $(id).disabled = true;
  try {
    const answer = await callBackend(`/api/teams/${encodeURIComponent(team)}/feed`, { method });
    if (method === "POST") {
      url.value = answer.url;
      url.hidden = false;
      url.select();
      setState(answer.replaced ? `New calendar link for ${team}: the previous one stopped working.`
        : `Calendar link for ${team}: copy it into your calendar app.`);
    } else {
      url.value = "";
      url.hidden = true;
      setState(`The calendar link of ${team} stopped working.`);
    }
  } catch (err) {
    setState(err.message, true);
  } finally {
    for (const id of ["feed-make", "feed-revoke"]) $(id).disabled = false;
  }
}

// Next quarter's workbook, opened as a new workbook: the manager edits it, then syncs it.
async function startNextQuarter() {
  const team = $("next-team").value;
  $("next").disabled = true;
  try {
    setState(`Preparing next quarter for ${team}…`);
    const made = await callBackend(`/api/teams/${encodeURIComponent(team)}/next-quarter`);
    await Excel.createWorkbook(made.workbook);
    setState(`Opened ${made.quarter} for ${team}: ${made.carried} key result(s) carried over from ` +
      `${made.from}. Edit it, then sync it to start the quarter.`);
  } catch (err) {
    setState(err.message, true);
  } finally {
    $("next").disabled = false;
  }
}

Office.onReady((info) => {
  if (info.host !== Office.HostType.Excel) {
    $("host-warning").hidden = false;
    setState("");
    return;
  }
  $("sync").addEventListener("click", () => run("/api/sync", true));
  $("lint").addEventListener("click", () => run("/api/lint", false));
  $("next").addEventListener("click", startNextQuarter);
  $("feed-make").addEventListener("click", () => changeFeed("POST"));
  $("feed-revoke").addEventListener("click", () => changeFeed("DELETE"));
  $("mapping-sheet").addEventListener("change", renderMappingSheet);
  $("mapping-save").addEventListener("click", syncWithMapping);
  for (const id of ["sync", "lint"]) $(id).disabled = false;
  setState("Ready.");
  loadTeams().catch(() => { $("next-section").hidden = true; $("feed-section").hidden = true; });
});
