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

// Write what the sync returned: load nothing, queue every write, one context.sync().
async function applyCells(cells) {
  await Excel.run(async (context) => {
    for (const cell of cells) {
      const range = context.workbook.worksheets.getItem(cell.sheet).getCell(cell.row - 1, cell.column - 1);
      if (cell.kind === "percent") range.numberFormat = [["0%"]];
      if (cell.kind === "date") range.numberFormat = [["yyyy-mm-dd"]];
      range.values = [[cellText(cell)]];
    }
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

function showReport(report) {
  if ("created" in report) {
    for (const key of ["created", "updated", "unchanged", "archived", "checkins"]) $(key).textContent = report[key];
    $("quarters").textContent = (report.quarters || []).join(", ");
    $("summary").hidden = false;
  }
  $("layout").textContent = report.layout_note || "";
  renderList("conflicts", "conflicts-section", report.conflicts || [], conflictItem);
  renderList("findings", "findings-section", report.findings || [], findingItem);
}

async function run(path, apply) {
  for (const id of ["sync", "lint"]) $(id).disabled = true;
  try {
    setState("Reading the workbook…");
    const workbook = await readWorkbook();
    setState("Checking with OKR Cadence…");
    const report = await callBackend(path, { method: "POST", body: workbook, contentType: XLSX });
    if (apply) {
      setState("Writing status into the workbook…");
      await applyCells(report.cells || []);
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

// Teams of today's quarter (at a retro, the quarter that closes) for the next-quarter picker.
async function loadTeams() {
  const { teams } = await callBackend("/api/teams");
  const select = $("next-team");
  select.replaceChildren();
  for (const team of teams || []) {
    const option = document.createElement("option");
    option.value = team.team;
    option.textContent = team.team;
    select.appendChild(option);
  }
  $("next-section").hidden = select.options.length === 0;
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
  for (const id of ["sync", "lint"]) $(id).disabled = false;
  setState("Ready.");
  loadTeams().catch(() => { $("next-section").hidden = true; });
});
