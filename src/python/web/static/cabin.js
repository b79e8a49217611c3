// Progressive enhancement of the cabin form (it works without this file): a live count of the
// chosen seats, the per-booking limit, and arrow keys to move between seats.
(function () {
  "use strict";
  var form = document.querySelector("form.cabin");
  if (!form) return;
  var max = Number(form.dataset.maxSeats);
  var status = document.getElementById("selection");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=seat]"));

  function chosen() {
    return boxes.filter(function (box) { return box.checked; });
  }

  function describe() {
    var seats = chosen().map(function (box) { return box.value; });
    status.textContent = seats.length === 0
      ? "No seats chosen yet."
      : seats.length + (seats.length === 1 ? " seat" : " seats") + " chosen: " + seats.join(", ");
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.name === "seat" && box.checked && chosen().length > max) {
      box.checked = false;
      status.textContent = "You can book at most " + max + " seats at once.";
      return;
    }
    describe();
  });

  // Arrow keys: left/right to the nearest free seat in the row, up/down to the same letter
  // (or the nearest free seat) in the nearest row with a free seat. Taken seats cannot take
  // focus; a screen reader still reads them in browse mode.
  function free(scope) {
    return Array.prototype.slice.call(scope.querySelectorAll("input[name=seat]:not(:disabled)"));
  }

  form.addEventListener("keydown", function (event) {
    var box = event.target;
    if (box.name !== "seat") return;
    var step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -1, ArrowDown: 1 }[event.key];
    if (!step) return;
    event.preventDefault();
    var row = box.closest(".row");
    var next;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var inRow = free(row);
      next = inRow[inRow.indexOf(box) + step];
    } else {
      var rows = Array.prototype.slice.call(form.querySelectorAll(".row"));
      for (var i = rows.indexOf(row) + step; i >= 0 && i < rows.length && !next; i += step) {
        var seats = free(rows[i]);
        var letter = box.value.slice(-1);
        next = seats.filter(function (s) { return s.value.slice(-1) === letter; })[0] || seats[0];
      }
    }
    if (next) next.focus();
  });

  describe();
})();
