(function () {
  "use strict";
  function cellValue(row, i) {
    var c = row.cells[i];
    return c ? c.textContent.trim() : "";
  }
  function compare(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && String(na) === a.replace(/^\+/, "") && String(nb) === b.replace(/^\+/, "")) { return na - nb; }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }
  var sevOrder = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, i) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var asc = !th.classList.contains("asc");
        heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var isSev = th.textContent.trim() === "severity";
        rows.sort(function (ra, rb) {
          var a = cellValue(ra, i), b = cellValue(rb, i);
          var r = isSev ? ((sevOrder[a.split(" ")[0]] || 9) - (sevOrder[b.split(" ")[0]] || 9)) : compare(a, b);
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  function refresh(id) {
    var table = document.getElementById(id);
    if (!table) { return; }
    var box = document.querySelector('[data-filter="' + id + '"]');
    var hide = document.querySelector('[data-hide-excepted="' + id + '"]');
    var q = box ? box.value.trim().toLowerCase() : "";
    var shown = 0, total = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      total += 1;
      var ok = (!q || row.textContent.toLowerCase().indexOf(q) !== -1) && !(hide && hide.checked && row.classList.contains("excepted"));
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var counter = document.querySelector('[data-count="' + id + '"]');
    if (counter) { counter.textContent = (q || (hide && hide.checked)) ? shown + " of " + total + " rows shown" : ""; }
  }
  document.querySelectorAll("[data-filter]").forEach(function (box) {
    box.addEventListener("input", function () { refresh(box.getAttribute("data-filter")); });
  });
  document.querySelectorAll("[data-hide-excepted]").forEach(function (box) {
    box.addEventListener("change", function () { refresh(box.getAttribute("data-hide-excepted")); });
  });
  // The decision column: filled from the review decisions recorded in the page (a decision on
  // the finding, else one on its account); shown only once there are decisions.
  var data = document.getElementById("decisions-data");
  var decided = null;
  try { decided = data ? JSON.parse(data.textContent) : null; } catch (e) { decided = null; }
  var any = false;
  if (decided) {
    document.querySelectorAll("td.c-decision").forEach(function (td) {
      var d = (decided.findings || {})[td.getAttribute("data-finding")] ||
              (decided.accounts || {})[td.getAttribute("data-app") + "\u001f" + td.getAttribute("data-account")];
      if (d) {
        td.textContent = d;
        td.classList.add("decided-" + d.split(" ")[0]);
        any = true;
      }
    });
  }
  if (any) { document.body.classList.add("has-decisions"); }
  // Printed, every row shows its details.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details.more"), function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); opened = []; });
}());
