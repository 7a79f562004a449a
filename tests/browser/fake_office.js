// A stand-in for office.js, served to the task panes in tests only. It hands the pane
// the workbook bytes the test put in window.__WORKBOOK_B64 and records every range write;
// window.__SSO_TOKEN is the signed-in user's Office SSO token (OfficeRuntime.auth).
"use strict";
(function () {
  const ok = "succeeded";
  window.__writes = [];
  window.__syncs = 0;

  function bytes() {
    const raw = atob(window.__WORKBOOK_B64 || "");
    return Array.from(raw, (ch) => ch.charCodeAt(0));
  }

  // an Outlook meeting: window.__MEETING_BODY is its body; window.__COMPOSE makes it the
  // organiser's form, where subject is an object with getAsync, not a string
  function meetingItem() {
    const subject = window.__MEETING_SUBJECT || "";
    const body = {
      getAsync(coercion, options, callback) {
        const done = typeof options === "function" ? options : callback;
        setTimeout(() => done({ status: ok, value: window.__MEETING_BODY || "" }), 0);
      },
    };
    if (window.__COMPOSE) {
      return { subject: { getAsync(done) { done({ status: ok, value: subject }); } }, body };
    }
    return { subject, body };
  }

  window.Office = {
    HostType: { Excel: "Excel", Outlook: "Outlook", Word: "Word" },
    AsyncResultStatus: { Succeeded: ok, Failed: "failed" },
    FileType: { Compressed: "compressed" },
    onReady(callback) {
      const info = { host: window.__FAKE_HOST || "Excel", platform: "OfficeOnline" };
      setTimeout(() => callback(info), 0);
      return Promise.resolve(info);
    },
    CoercionType: { Text: "text", Html: "html" },
    context: {
      mailbox: { item: meetingItem() },
      document: {
        getFileAsync(type, options, callback) {
          const data = bytes();
          const size = options.sliceSize;
          const sliceCount = Math.max(1, Math.ceil(data.length / size));
          callback({
            status: ok,
            value: {
              sliceCount,
              getSliceAsync(index, done) {
                done({ status: ok, value: { data: data.slice(index * size, (index + 1) * size) } });
              },
              closeAsync() { window.__closed = true; },
            },
          });
        },
      },
    },
  };

  if (window.__SSO_TOKEN) {
    window.OfficeRuntime = { auth: { async getAccessToken() { return window.__SSO_TOKEN; } } };
  }

  window.__created = [];
  window.__properties = {}; // the workbook's custom document properties the pane set
  window.Excel = {
    async createWorkbook(base64) { window.__created.push(base64); },
    async run(batch) {
      const context = {
        workbook: {
          properties: {
            custom: {
              add(key, value) { window.__properties[key] = value; },
            },
          },
          worksheets: {
            getItem(sheet) {
              return {
                getCell(row, column) {
                  // a cell holding a formula: window.__FORMULAS["OKRs!2,16"] = "=B2*2" (0-based row, column)
                  const formula = (window.__FORMULAS || {})[`${sheet}!${row},${column}`];
                  const cell = {
                    formulas: [[formula === undefined ? "" : formula]],
                    load() { return cell; }, // what the pane reads is there once the batch syncs
                  };
                  Object.defineProperty(cell, "values", { // a write is recorded when the pane sets .values
                    set(values) { window.__writes.push({ sheet, row, column, values, numberFormat: cell.numberFormat }); },
                  });
                  return cell;
                },
              };
            },
          },
        },
        async sync() { window.__syncs += 1; },
      };
      return batch(context);
    },
  };
})();
