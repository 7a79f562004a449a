// A stand-in for office.js, served to the task panes in tests only. It hands the pane
// the workbook bytes the test put in window.__WORKBOOK_B64 and records every range write.
"use strict";
(function () {
  const ok = "succeeded";
  window.__writes = [];
  window.__syncs = 0;

  function bytes() {
    const raw = atob(window.__WORKBOOK_B64 || "");
    return Array.from(raw, (ch) => ch.charCodeAt(0));
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
    context: {
      mailbox: { item: { subject: window.__MEETING_SUBJECT || "" } },
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

  window.__created = [];
  window.Excel = {
    async createWorkbook(base64) { window.__created.push(base64); },
    async run(batch) {
      const context = {
        workbook: {
          worksheets: {
            getItem(sheet) {
              return {
                getCell(row, column) {
                  const write = { sheet, row, column };
                  window.__writes.push(write);
                  return write; // the pane sets .values / .numberFormat on it
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
