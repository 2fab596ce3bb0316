/* evidence-kit browser: filters on the index, span selection on source pages. No dependencies. */
(function () {
  "use strict";

  function words(element, attribute) {
    var value = element.getAttribute(attribute);
    return value ? value.split(" ") : [];
  }

  /* "show retracted" toggles: a body class hides retracted records and highlights */
  var retractedBox = document.getElementById("show-retracted");
  function syncRetracted() {
    if (retractedBox) {
      document.body.classList.toggle("hide-retracted", !retractedBox.checked);
    }
  }
  if (retractedBox) {
    retractedBox.addEventListener("change", syncRetracted);
    syncRetracted();
  }

  /* index: filter claim rows by kind, certainty, language and source flag */
  var table = document.getElementById("claims");
  if (table) {
    var selects = document.querySelectorAll("#filters select");
    var showRetractedClaims = document.getElementById("show-retracted-claims");
    var count = document.getElementById("filter-count");
    var applyFilters = function () {
      var rows = table.querySelectorAll("tr.claim-row");
      var shown = 0;
      rows.forEach(function (row) {
        var visible = true;
        selects.forEach(function (select) {
          if (select.value && words(row, "data-" + select.dataset.attr).indexOf(select.value) < 0) {
            visible = false;
          }
        });
        if (!showRetractedClaims.checked && row.dataset.status === "retracted") {
          visible = false;
        }
        row.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      count.textContent = shown + " of " + rows.length + " claims shown";
    };
    selects.forEach(function (select) {
      select.addEventListener("change", applyFilters);
    });
    showRetractedClaims.addEventListener("change", applyFilters);
    document.getElementById("filter-reset").addEventListener("click", function () {
      selects.forEach(function (select) { select.value = ""; });
      showRetractedClaims.checked = false;
      applyFilters();
    });
    applyFilters();
  }

  /* source page: selecting a highlight shows the assertions covering it */
  var text = document.getElementById("source-text");
  if (text) {
    var details = document.querySelectorAll("#details .detail");
    var hint = document.getElementById("hint");
    var select = function (ids) {
      text.querySelectorAll(".hl.selected").forEach(function (el) {
        el.classList.remove("selected");
      });
      details.forEach(function (detail) {
        detail.hidden = ids.indexOf(detail.dataset.for) < 0;
      });
      ids.forEach(function (id) {
        text.querySelectorAll('.hl[data-ids~="' + id + '"]').forEach(function (el) {
          el.classList.add("selected");
        });
      });
      hint.hidden = ids.length > 0;
    };
    var idsOf = function (el) {
      var showRetracted = !retractedBox || retractedBox.checked;
      return words(el, showRetracted ? "data-ids" : "data-active-ids");
    };
    text.addEventListener("click", function (event) {
      var el = event.target.closest(".hl");
      if (el) {
        select(idsOf(el));
      }
    });
    text.addEventListener("keydown", function (event) {
      var el = event.target.closest(".hl");
      if (el && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        select(idsOf(el));
      }
    });
    document.getElementById("show-all").addEventListener("click", function () {
      var all = [];
      details.forEach(function (detail) { all.push(detail.dataset.for); });
      select(all);
    });
    var selectFromHash = function () {
      if (location.hash.indexOf("#a-") === 0) {
        select([decodeURIComponent(location.hash.slice(3))]);
      }
    };
    window.addEventListener("hashchange", selectFromHash);
    selectFromHash();
  }
})();
