/* Progressive enhancement for the site's tables; without JavaScript every table is complete and readable.
 * table.sortable: each header becomes a button that sorts by its column (missing values always last).
 * table[data-filterable]: a text filter above the table, and a level filter when rows carry data-level.
 * The first filterable table of a page takes its start state from the URL: ?q=text&level=Gold&sort=4&dir=descending,
 * so a filtered view can be shared as a link.
 */
(function () {
  "use strict";

  function cellValue(row, index, type) {
    var cell = row.cells[index];
    if (!cell) return null;
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (type === "number") {
      var n = parseFloat(raw);
      return raw === "" || isNaN(n) ? null : n;
    }
    return raw.toLowerCase();
  }

  function sortTable(table, index, direction) {
    var headers = table.tHead.rows[0].cells;
    var type = headers[index].getAttribute("data-sort-type") || "text";
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type);
      var y = cellValue(b, index, type);
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      var order = type === "number" ? x - y : x.localeCompare(y);
      return direction === "descending" ? -order : order;
    });
    rows.forEach(function (row) { tbody.appendChild(row); });
    Array.prototype.forEach.call(headers, function (th) { th.removeAttribute("aria-sort"); });
    headers[index].setAttribute("aria-sort", direction);
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortTable(table, index, next);
      });
    });
  }

  function makeFilterable(table, start) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var controls = document.createElement("div");
    controls.className = "table-controls";
    var id = table.id || "table";

    var label = document.createElement("label");
    label.textContent = "Filter rows ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id + "-filter";
    input.setAttribute("aria-controls", id);
    input.value = start.q || "";
    label.appendChild(input);
    controls.appendChild(label);

    var ranks = {};
    rows.forEach(function (row) {
      var level = row.getAttribute("data-level");
      if (level !== null) ranks[level] = parseFloat(row.getAttribute("data-level-rank") || "99");
    });
    var levels = Object.keys(ranks).sort(function (a, b) { return ranks[a] - ranks[b]; });
    var select = null;
    if (levels.length) {
      var levelLabel = document.createElement("label");
      levelLabel.textContent = " Readiness level ";
      select = document.createElement("select");
      select.id = id + "-level";
      select.setAttribute("aria-controls", id);
      select.appendChild(new Option("All levels", ""));
      levels.forEach(function (level) { select.appendChild(new Option(level, level)); });
      select.value = levels.indexOf(start.level) >= 0 ? start.level : "";
      levelLabel.appendChild(select);
      controls.appendChild(levelLabel);
    }

    var status = document.createElement("p");
    status.className = "table-status";
    status.id = id + "-status";
    status.setAttribute("aria-live", "polite");
    controls.appendChild(status);

    function apply() {
      var terms = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var level = select ? select.value : "";
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var visible = terms.every(function (t) { return text.indexOf(t) >= 0; }) &&
          (!level || row.getAttribute("data-level") === level);
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      status.textContent = "Showing " + shown + " of " + rows.length + " rows";
      table.setAttribute("data-rows-shown", String(shown));
    }
    input.addEventListener("input", apply);
    if (select) select.addEventListener("change", apply);

    var anchor = table.parentElement && table.parentElement.classList.contains("table-wrap") ? table.parentElement : table;
    anchor.parentElement.insertBefore(controls, anchor);
    apply();
  }

  function enhance() {
    var params = new URLSearchParams(window.location.search);
    var none = { q: "", level: "" };
    var first = true;
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable, table[data-filterable]"), function (table) {
      if (!table.tHead || !table.tBodies.length) return;
      var start = none;
      if (first && table.hasAttribute("data-filterable")) {
        start = { q: params.get("q") || "", level: params.get("level") || "" };
      }
      if (table.classList.contains("sortable")) makeSortable(table);
      if (table.hasAttribute("data-filterable")) makeFilterable(table, start);
      if (start !== none && table.classList.contains("sortable") && params.get("sort") !== null) {
        var index = parseInt(params.get("sort"), 10);
        if (index >= 0 && index < table.tHead.rows[0].cells.length) {
          sortTable(table, index, params.get("dir") === "descending" ? "descending" : "ascending");
        }
      }
      if (table.hasAttribute("data-filterable")) first = false;
      table.setAttribute("data-enhanced", "true");
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhance);
  else enhance();
})();
